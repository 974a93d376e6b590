"""The stage contract, shared with the TypeScript side through generated JSON Schemas."""

from .errors import EXIT_PERMANENT_FAILURE, EXIT_RETRYABLE_FAILURE, EXIT_SUCCESS, StageFailure
from .request import StageRequest, load_request
from .result import RESULT_FILE, compact_result, temporary_beside, write_json_atomic

__all__ = [
    "EXIT_PERMANENT_FAILURE",
    "EXIT_RETRYABLE_FAILURE",
    "EXIT_SUCCESS",
    "RESULT_FILE",
    "StageFailure",
    "StageRequest",
    "compact_result",
    "load_request",
    "temporary_beside",
    "write_json_atomic",
]
