"""Turn the bytes of a fetched HTML page into text, the way a browser picks the encoding.

The order follows the WHATWG HTML "determining the character encoding" steps
(https://html.spec.whatwg.org/multipage/parsing.html#determining-the-character-encoding):
byte order mark, then the charset of the HTTP Content-Type header, then a ``<meta>`` prescan,
then detection (charset-normalizer). Labels map to encodings as in the WHATWG Encoding
standard (https://encoding.spec.whatwg.org/#names-and-labels): ``iso-8859-1``, ``latin1`` and
``us-ascii`` all mean windows-1252, ``euc-kr`` means windows-949, ``gb2312`` means GB18030...

One deliberate step beyond browsers: a page labelled with a legacy encoding whose bytes are
valid UTF-8 with non-ASCII characters is decoded as UTF-8. Mislabelled UTF-8 is common on old
CMSs, and legacy text that happens to be valid UTF-8 is vanishingly rare, so this removes a
whole class of mojibake without creating another.
"""

from __future__ import annotations

import codecs
import logging
import re

import charset_normalizer

from reader.pages.text import strip_control_chars

logger = logging.getLogger(__name__)

# WHATWG encoding name -> labels (https://encoding.spec.whatwg.org/encodings.json, abridged to
# the encodings pages use) and the Python codec that decodes it. Python's own euc_kr, gbk,
# shift_jis and big5 are the narrow standards; browsers decode with the vendor supersets.
_WHATWG: dict[str, tuple[str, tuple[str, ...]]] = {
    name: (codec, tuple(labels.split()))
    for name, codec, labels in (
        ("utf-8", "utf-8",
         "unicode-1-1-utf-8 unicode11utf8 unicode20utf8 utf-8 utf8 x-unicode20utf8"),
        ("windows-1252", "cp1252",
         ("ansi_x3.4-1968 ascii cp1252 cp819 csisolatin1 ibm819 iso-8859-1 iso-ir-100 iso8859-1"
         " iso88591 iso_8859-1 iso_8859-1:1987 l1 latin1 us-ascii windows-1252 x-cp1252")),
        ("windows-1254", "cp1254",
         ("cp1254 csisolatin5 iso-8859-9 iso-ir-148 iso8859-9 iso88599 iso_8859-9"
         " iso_8859-9:1989 l5 latin5 windows-1254 x-cp1254")),
        ("windows-874", "cp874",
         "dos-874 iso-8859-11 iso8859-11 iso885911 tis-620 windows-874"),
        ("euc-kr", "cp949",
         ("cseuckr csksc56011987 euc-kr iso-ir-149 korean ks_c_5601-1987 ks_c_5601-1989"
         " ksc5601 ksc_5601 windows-949")),
        ("gb18030", "gb18030",
         ("chinese csgb2312 csiso58gb231280 gb2312 gb_2312 gb_2312-80 gbk iso-ir-58 x-gbk"
         " gb18030")),
        ("big5", "big5hkscs", "big5 big5-hkscs cn-big5 csbig5 x-x-big5"),
        ("shift_jis", "cp932",
         "csshiftjis ms932 ms_kanji shift-jis shift_jis sjis windows-31j x-sjis"),
        ("euc-jp", "euc_jp", "cseucpkdfmtjapanese euc-jp x-euc-jp"),
        ("iso-2022-jp", "iso2022_jp", "csiso2022jp iso-2022-jp"),
        ("utf-16le", "utf-16-le",
         "csunicode iso-10646-ucs-2 ucs-2 unicode unicodefeff utf-16 utf-16le"),
        ("utf-16be", "utf-16-be", "unicodefffe utf-16be"),
        ("koi8-r", "koi8_r", "cskoi8r koi koi8 koi8-r koi8_r"),
        ("koi8-u", "koi8_u", "koi8-ru koi8-u"),
        ("ibm866", "cp866", "866 cp866 csibm866 ibm866"),
        ("macintosh", "mac_roman", "csmacintosh mac macintosh x-mac-roman"),
        ("x-mac-cyrillic", "mac_cyrillic", "x-mac-cyrillic x-mac-ukrainian"),
    )
}  # fmt: skip
for _n in range(1250, 1259):
    if _n not in (1252, 1254):
        _WHATWG[f"windows-{_n}"] = (
            f"cp{_n}",
            (f"cp{_n}", f"windows-{_n}", f"x-cp{_n}"),
        )
_ISO_ALIASES = {
    2: "latin2 l2 csisolatin2 iso-ir-101",
    3: "latin3 l3 csisolatin3 iso-ir-109",
    4: "latin4 l4 csisolatin4 iso-ir-110",
    5: "cyrillic csisolatincyrillic iso-ir-144",
    6: "arabic asmo-708 csiso88596e csiso88596i csisolatinarabic ecma-114",
    7: "greek greek8 csisolatingreek ecma-118 elot_928 iso-ir-126 sun_eu_greek",
    8: "hebrew csiso88598e csisolatinhebrew iso-8859-8-e iso-8859-8-i visual",
    10: "latin6 l6 csisolatin6 iso-ir-157",
    13: "",
    14: "",
    15: "latin9 l9 csisolatin9",
    16: "",
}
for _n, _aliases in _ISO_ALIASES.items():
    _forms = (f"iso-8859-{_n}", f"iso8859-{_n}", f"iso8859{_n}", f"iso_8859-{_n}")
    _WHATWG[f"iso-8859-{_n}"] = (f"iso8859_{_n}", _forms + tuple(_aliases.split()))

_LABELS: dict[str, str] = {label: name for name, (_codec, labels) in _WHATWG.items() for label in labels}
# Python codec names (as charset-normalizer reports them) -> WHATWG encoding.
_PYTHON_TO_WHATWG: dict[str, str] = {codecs.lookup(codec).name: name for name, (codec, _labels) in _WHATWG.items()}
_PYTHON_TO_WHATWG.update(
    {
        codecs.lookup(alias).name: name
        for alias, name in (
            ("latin_1", "windows-1252"),
            ("ascii", "windows-1252"),
            ("iso8859_9", "windows-1254"),
            ("tis_620", "windows-874"),
            ("euc_kr", "euc-kr"),
            ("johab", "euc-kr"),
            ("gb2312", "gb18030"),
            ("gbk", "gb18030"),
            ("hz", "gb18030"),
            ("shift_jis", "shift_jis"),
            ("shift_jisx0213", "shift_jis"),
            ("euc_jis_2004", "euc-jp"),
            ("big5", "big5"),
            ("cp950", "big5"),
            ("utf_8_sig", "utf-8"),
        )
    }
)

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16le"),
    (codecs.BOM_UTF16_BE, "utf-16be"),
)
_SINGLE_BYTE_OR_LEGACY = set(_WHATWG) - {"utf-8", "utf-16le", "utf-16be", "iso-2022-jp"}

# The WHATWG prescan looks at the first 1024 bytes; real pages put <meta charset> after long
# comments or scripts often enough that a larger window pays off.
_PRESCAN_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]*?\bcharset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)


def normalize_label(label: str | None) -> str | None:
    """Map a charset label to its WHATWG encoding name, or None when it is unknown.

    ``label``: a label as found in a header or a ``<meta>`` ("ISO-8859-1", "utf8", "EUC-KR").
    Returns e.g. "windows-1252", "utf-8", "euc-kr". Labels the WHATWG table does not list fall
    back to Python's codec aliases (so "euc_kr" still works), upgraded to the browser encoding.
    """
    if not label:
        return None
    key = label.strip().strip("\"'").lower()
    if key in _LABELS:
        return _LABELS[key]
    try:
        python_name = codecs.lookup(key).name
    except LookupError:
        return None
    return _PYTHON_TO_WHATWG.get(python_name)


def python_codec(encoding: str) -> str:
    """The Python codec that decodes the WHATWG ``encoding`` (e.g. "euc-kr" -> "cp949")."""
    return _WHATWG[encoding][0]


def decode_html(body: bytes, http_charset: str | None = None) -> str:
    """Decode an HTML page's bytes to text without mojibake; never raises.

    ``body``: the response body as bytes. ``http_charset``: the charset parameter of the HTTP
    Content-Type header, if any. Order: BOM, HTTP charset, ``<meta charset>`` or
    ``<meta http-equiv="Content-Type">``, then detection with charset-normalizer (see the
    module docstring). C0 control characters other than tab, newline and carriage return are
    removed (vertical tab and form feed become spaces) so lxml accepts the result: see
    ``reader.pages.text.strip_control_chars``.
    """
    try:
        text = _decode(body, http_charset)
    except Exception:  # decoding must never fail a save; the log keeps the reason
        logger.exception("decode_html failed; falling back to UTF-8 with replacement")
        text = body.decode("utf-8", errors="replace")
    return strip_control_chars(text)


def sniff_encoding(body: bytes, http_charset: str | None = None) -> str:
    """The WHATWG encoding name ``decode_html`` would use for ``body`` (e.g. "windows-1252")."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    declared = normalize_label(http_charset) or _prescan_meta(body[:_PRESCAN_BYTES])
    if declared in _SINGLE_BYTE_OR_LEGACY and _is_utf8_with_non_ascii(body):
        return "utf-8"
    if declared:
        return declared
    if _is_utf8(body):
        return "utf-8"
    return _detect(body) or "utf-8"


def _decode(body: bytes, http_charset: str | None) -> str:
    for bom, name in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(python_codec(name), errors="replace")
    encoding = sniff_encoding(body, http_charset)
    try:
        return body.decode(python_codec(encoding))
    except UnicodeDecodeError:
        pass
    # Declared (or mostly) UTF-8 with stray bytes: usually a legacy snippet pasted into a
    # UTF-8 page, so those bytes are read as windows-1252 instead of replacing the page.
    if encoding == "utf-8" and _mostly_utf8(body):
        return body.decode("utf-8", errors="_digest_cp1252")
    detected = _detect(body)
    if detected and detected != encoding:
        try:
            return body.decode(python_codec(detected))
        except UnicodeDecodeError:
            pass
    return body.decode(python_codec(encoding), errors="replace")


def _prescan_meta(head: bytes) -> str | None:
    # Comments may hold stale declarations; browsers skip them too.
    head = re.sub(rb"<!--.*?-->", b"", head, flags=re.DOTALL)
    for match in _META_CHARSET.finditer(head):
        name = normalize_label(match.group(1).decode("ascii", "ignore"))
        if name:
            # WHATWG: a <meta> cannot switch to UTF-16, since the bytes read so far were ASCII.
            return "utf-8" if name in ("utf-16le", "utf-16be") else name
    return None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _is_utf8_with_non_ascii(body: bytes) -> bool:
    return not body.isascii() and _is_utf8(body)


def _mostly_utf8(body: bytes) -> bool:
    """True when valid multi-byte UTF-8 sequences outnumber the invalid bytes."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.decode("utf-8", errors="ignore").count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return good > bad


def _detect(body: bytes) -> str | None:
    matches = list(charset_normalizer.from_bytes(body))
    if not matches:
        return None
    best = matches[0]
    # Short Latin texts often fit several code pages equally well; then the one the web
    # mostly uses wins (windows-1252), instead of charset-normalizer's first pick.
    tied = [m for m in matches if m.chaos <= best.chaos + 0.01 and m.coherence >= best.coherence - 0.01]
    names = [_whatwg_name(m.encoding) for m in tied]
    if "windows-1252" in names:
        return "windows-1252"
    return _whatwg_name(best.encoding)


def _whatwg_name(python_encoding: str | None) -> str | None:
    try:
        return _PYTHON_TO_WHATWG.get(codecs.lookup(python_encoding or "").name)
    except LookupError:
        return None


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    chunk = error.object[error.start : error.end]
    # cp1252 leaves five bytes undefined; WHATWG maps them to the C1 controls, as latin-1 does.
    text = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in chunk)
    return text, error.end


codecs.register_error("_digest_cp1252", _cp1252_fallback)
