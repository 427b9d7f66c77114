"""The HTTP side of Digest: ``client`` downloads one page, PDF or image treating the URL and the
server as hostile; ``urls`` reads, checks and canonicalizes the URLs people paste (and the image
URLs pages give); ``addresses`` decides which IP addresses may be reached; ``errors`` turns every
failure into a sentence; ``options`` holds the settings all of them take as values. Plain Python:
no Django import (``reader.conf`` builds the options).
"""
