"""Errors a user can fix. The CLI prints their message as one line and exits with code 2."""


class UserError(Exception):
    """A mistake in input or configuration, explained in the message."""


class InputPathError(UserError):
    """A path given to index does not exist."""


class EmptyCollectionError(UserError):
    """Nothing readable was found where articles were expected."""


class IndexNotFoundError(UserError):
    """No index exists in the folder that was asked for."""


class EmbedderMismatchError(UserError):
    """The index was built with another embedder than the one configured."""


class IndexFormatError(UserError):
    """The index on disk is from another format version or is damaged."""


class IndexBusyError(UserError):
    """Another indexing run holds the index folder's writer lock."""


class ConfigError(UserError):
    """A configuration value is invalid."""


class NoSpaceError(UserError):
    """The disk cannot hold the index being written."""
