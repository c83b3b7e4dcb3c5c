"""Where the cypher/ and web/ folders are, in a source checkout and in an installed wheel."""

from pathlib import Path

__all__ = ["cypher_dir", "web_dir"]

_PACKAGE = Path(__file__).resolve().parent


def _resolve(name: str) -> Path:
    # A wheel carries the folder inside the package; a checkout (or editable install) has it
    # beside the package at the top of the repository.
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"graphcrm is installed without its {name}/ folder")


def cypher_dir() -> Path:
    return _resolve("cypher")


def web_dir() -> Path:
    return _resolve("web")
