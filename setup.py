"""The package build puts the whole app into the package: besides the code and booking/static,
the templates and migrations of the top level and the Italian catalogues compiled from
translations/. A wheel, and so `pip install .`, then works without the source tree
(booking.app_folder finds them). Everything else is declared in pyproject.toml.
"""

import importlib.util
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


def _catalogues():
    # Loaded by its path: importing the package would import Flask, absent from the build
    # environment (which has setuptools and Babel only).
    spec = importlib.util.spec_from_file_location("catalogues", ROOT / "booking" / "catalogues.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildWithTheWholeApp(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install uses the source tree; create_app compiles there
        package = Path(self.build_lib) / "booking"
        for name in ("templates", "migrations", "translations"):
            shutil.rmtree(package / name, ignore_errors=True)  # left by an earlier build
        for name in ("templates", "migrations"):
            shutil.copytree(
                ROOT / name, package / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        _catalogues().compile_catalogues(ROOT / "translations", package / "translations")


setup(cmdclass={"build_py": BuildWithTheWholeApp})
