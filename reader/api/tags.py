"""wallabag's tag endpoints: an entry's tags, adding and removing them, all of a person's tags, and
removing a tag (by id or label) from every entry.

A tag left on no article is deleted (``reader.services.organize.remove_tags``), as wallabag cleans
orphan tags. Every tag id is looked up among the token owner's tags: another person's is a 404.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response

from reader import api_selectors
from reader.api.entries import entry_response, owned_entry
from reader.api.serializers import EntrySerializer, TagsBodySerializer, TagSerializer, TagWithCountSerializer
from reader.models import Article, Tag
from reader.services import organize


def _owned_tag(request: Request, tag_id: int) -> Tag:
    tag = Tag.objects.filter(owner_id=request.user.pk, pk=tag_id).first()
    if tag is None:
        raise Http404(f"Tag {tag_id} not found.")
    return tag


def _untag_everywhere(request: Request, tags: list[Tag]) -> None:
    """Take ``tags`` off every article of the person that carries one of them."""
    for tag in tags:
        ids = list(Article.objects.filter(owner_id=request.user.pk, tags=tag).values_list("pk", flat=True))
        organize.remove_tags(user=request.user, article_ids=ids, names=[tag.name])


@extend_schema(methods=["GET"], operation_id="entry_tags_list", responses=TagSerializer(many=True))
@extend_schema(methods=["POST"], operation_id="entry_tags_add", request=TagsBodySerializer, responses=EntrySerializer)
@api_view(["GET", "POST"])
def entry_tags(request: Request, entry_id: int, **kwargs) -> Response:
    """``GET /api/entries/{id}/tags``: the entry's tags ``[{id, label, slug}]``.

    ``POST``: add ``tags`` (comma-separated labels, form or JSON); answers the entry."""
    article = owned_entry(request, entry_id)
    if request.method == "GET":
        return Response(TagSerializer(list(article.tags.all()), many=True).data)
    tags = request.data.get("tags") or ""
    if not isinstance(tags, str):
        raise exceptions.ValidationError("tags must be comma-separated labels.")
    organize.add_tags(user=request.user, article_ids=[article.pk], names=tags)
    return entry_response(request, article.pk)


@extend_schema(operation_id="entry_tags_remove", responses=EntrySerializer)
@api_view(["DELETE"])
def entry_tag(request: Request, entry_id: int, tag_id: int, **kwargs) -> Response:
    """``DELETE /api/entries/{id}/tags/{tagId}``: take the tag off the entry; answers the entry."""
    article = owned_entry(request, entry_id)
    tag = _owned_tag(request, tag_id)
    organize.remove_tags(user=request.user, article_ids=[article.pk], names=[tag.name])
    return entry_response(request, article.pk)


@extend_schema(operation_id="tags_list", responses=TagWithCountSerializer(many=True))
@api_view(["GET"])
def tags(request: Request, **kwargs) -> Response:
    """``GET /api/tags``: every tag of the person, ``[{id, label, slug, nbEntries}]``, by label."""
    return Response(TagWithCountSerializer(api_selectors.tags_with_counts(request.user), many=True).data)


@extend_schema(operation_id="tags_destroy", responses=TagSerializer)
@api_view(["DELETE"])
def tag(request: Request, tag_id: int, **kwargs) -> Response:
    """``DELETE /api/tags/{id}``: take the tag off every entry (it is then deleted); answers the tag."""
    found = _owned_tag(request, tag_id)
    answer = TagSerializer(found).data
    _untag_everywhere(request, [found])
    return Response(answer)


def _labelled(request: Request, labels: list[str]) -> list[Tag]:
    wanted = organize.clean_tag_names(labels)
    ids = Tag.objects.ids_named(request.user, wanted)
    found = list(Tag.objects.filter(pk__in=[pk for pks in ids.values() for pk in pks]).order_by("id"))
    if not found:
        raise Http404("No tag with that label.")
    return found


@extend_schema(
    operation_id="tag_label_destroy", parameters=[OpenApiParameter("tag", str, required=True)], responses=TagSerializer
)
@api_view(["DELETE"])
def tag_by_label(request: Request, **kwargs) -> Response:
    """``DELETE /api/tag/label?tag=``: as ``DELETE /api/tags/{id}`` for the tag with that label."""
    label = request.data.get("tag") or request.query_params.get("tag") or ""
    found = _labelled(request, [str(label)])[0]
    answer = TagSerializer(found).data
    _untag_everywhere(request, [found])
    return Response(answer)


@extend_schema(
    operation_id="tags_label_destroy",
    parameters=[OpenApiParameter("tags", str, required=True, description="comma-separated labels")],
    responses=TagSerializer(many=True),
)
@api_view(["DELETE"])
def tags_by_label(request: Request, **kwargs) -> Response:
    """``DELETE /api/tags/label?tags=a,b``: as ``DELETE /api/tags/{id}`` for each tag with those labels."""
    labels = request.data.get("tags") or request.query_params.get("tags") or ""
    found = _labelled(request, [str(labels)])
    answer = TagSerializer(found, many=True).data
    _untag_everywhere(request, found)
    return Response(answer)
