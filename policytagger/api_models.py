"""The request and response bodies of the HTTP service, as pydantic models (they also make the
OpenAPI document at /openapi.json and /docs).

The request models are built per app by ``request_models(limits)`` so the published schema states
the app's actual limits (maxItems, maxLength). The response models describe exactly what
``Document.to_dict()`` writes — the JSON Lines schema of ``policytagger analyze``; the server sends
those dicts as they are, and tests validate them against these models.
"""
from typing import Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from model.attribution import check_meta

from .server_config import ServerLimits


def _no_lone_surrogates(value: str | None, field: str) -> str | None:
    # JSON allows "\ud800"; such a string cannot be tokenised or written back as UTF-8
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            raise ValueError(f"'{field}' holds a lone UTF-16 surrogate ({value[err.start]!r}) at character "
                             f"{err.start}: send valid Unicode") from None
    return value


def request_models(limits: ServerLimits) -> tuple[type[BaseModel], type[BaseModel]]:
    """(DocumentIn, AnalyzeRequest) with this app's limits."""

    class DocumentIn(BaseModel):
        """One document; unknown keys are ignored, as in the CLI's JSON Lines input."""
        model_config = ConfigDict(extra="ignore", title="DocumentIn")

        id: Optional[str] = Field(None, max_length=limits.max_id_chars,
                                  description="Echoed in the result; null stays null.")
        text: str = Field(..., max_length=limits.max_chars, description="The document text.")
        region: Optional[str] = Field(None, description="Region of the document (宁波, 浙江省): quantities "
                                      "whose sentence names no region get it.")
        year: Optional[int] = Field(None, ge=1900, le=2100, description="Year of the document: dates "
                                    "quantities whose sentence names no period.")
        genre: Optional[str] = Field(None, description="e.g. government_work_report (results are then "
                                     "dated to the year before).")

        @field_validator("region", "year", "genre", mode="before")
        @classmethod
        def _checked_meta(cls, value: Any, info: ValidationInfo) -> Any:
            # the same check as the CLI's JSON Lines reader (model.attribution.check_meta)
            return check_meta({info.field_name: value}).get(info.field_name)

        @field_validator("id", "text", "region", "genre")
        @classmethod
        def _valid_unicode(cls, value: str | None, info: ValidationInfo) -> str | None:
            return _no_lone_surrogates(value, info.field_name)

    class AnalyzeRequest(BaseModel):
        model_config = ConfigDict(extra="ignore", title="AnalyzeRequest", json_schema_extra={"examples": [{
            "documents": [{"id": "demo-1", "text": "过去一年，全市地区生产总值增长6.2%。今年力争新开工项目120个。",
                           "region": "宁波", "year": 2025, "genre": "government_work_report"}]}]})

        documents: list[DocumentIn] = Field(..., min_length=1, max_length=limits.max_docs)
        include_text: bool = Field(False, description="Copy each document's text into its result.")

    return DocumentIn, AnalyzeRequest


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Quantity(_Strict):
    metric: str
    value: Union[float, list[float], None]
    unit: Optional[str]
    comparator: str = Field(description="about | at_least | at_most | range | exact")
    change: str = Field(description="level | growth_rate | increase | decrease | multiple")
    period: Optional[str] = None
    region: Optional[str] = None


class Span(_Strict):
    start: int
    end: int
    type: str
    text: str
    score: float
    quantity: Optional[Quantity] = Field(None, description="Only on TARGET and STAT spans (absent otherwise).")


class Theme(_Strict):
    label: str
    score: float


class Sentence(_Strict):
    start: int
    end: int
    themes: list[Theme]


class DocumentMeta(_Strict):
    region: Optional[str] = None
    year: Optional[int] = None
    genre: Optional[str] = None


class DocumentOut(_Strict):
    """One result: the JSON Lines schema ``policytagger analyze`` writes."""
    id: Optional[str]
    meta: Optional[DocumentMeta] = Field(None, description="The metadata sent (absent when none).")
    text: Optional[str] = Field(None, description="Only with include_text.")
    sentences: list[Sentence]
    spans: list[Span]


class ModelRef(_Strict):
    name: str = Field(description="The model folder's name.")
    version: str = Field(description="policytagger's version.")
    runtime: str
    fingerprint: str = Field(description="Changes whenever the model's labels, thresholds or training change.")


class AnalyzeResponse(_Strict):
    model: ModelRef
    documents: list[DocumentOut]


class ModelInfo(_Strict):
    name: str
    version: str
    runtime: str
    fingerprint: str
    folder: dict[str, Any] = Field(description="encoder, max_length, format_version of the model folder")
    labels: dict[str, list[str]]
    metrics: dict[str, Any] = Field(description="The model card's metrics (dev/test).")
    training: dict[str, Any] = Field(description="What it was trained on (the training record, without "
                                     "its per-epoch history).")
    limits: dict[str, int]
    batching: dict[str, float]


class ErrorBody(_Strict):
    error: str = Field(description="What is wrong, in one line.")
    detail: Any = Field(None, description="Specifics: for invalid requests a list of {loc, msg, type}.")


class Health(_Strict):
    status: str


class Readiness(_Strict):
    status: str = Field(description="ready | loading | shutting down | stopped")
    queued: int = 0
    requests: int = 0
    documents: int = 0
    batches: int = 0
