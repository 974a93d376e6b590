"""Exit codes and the failures a stage reports (mirrors jobs/contract/exit-codes.ts)."""

EXIT_SUCCESS = 0
# Bad request or bad input: the Job's podFailurePolicy fails fast, a retry cannot help.
EXIT_PERMANENT_FAILURE = 2
# Anything else may succeed on retry (crash, pre-emption, full disk that gets cleaned).
EXIT_RETRYABLE_FAILURE = 1

PERMANENT_REASONS = {"BadRequest", "BadInput", "MissingArtifact"}


class StageFailure(Exception):
    """A failure with a contract reason; `file` names the input it is about."""

    def __init__(self, reason: str, message: str, file: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.file = file

    @property
    def permanent(self) -> bool:
        return self.reason in PERMANENT_REASONS

    def as_error(self) -> dict:
        error = {"reason": self.reason, "message": self.message}
        if self.file is not None:
            error["file"] = self.file
        return error
