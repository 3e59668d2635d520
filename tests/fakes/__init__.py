"""Test doubles for Passerelle: a fake Telegram Bot API server and its spec validator."""

from .botapi_server import ApiError, Call, FakeBotApi
from .botapi_spec import validate_call, validate_object

__all__ = ["ApiError", "Call", "FakeBotApi", "validate_call", "validate_object"]
