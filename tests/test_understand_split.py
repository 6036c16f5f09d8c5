"""The code a user runs never imports the code that builds the weights (`backfire.training`)."""

from __future__ import annotations

import subprocess
import sys


def test_the_runtime_never_imports_training() -> None:
    probe = (
        "import sys\n"
        "import backfire.cli, backfire.pipeline, backfire.demo, backfire.jobs\n"
        "from backfire.understand import get_classifier\n"
        "from backfire.understand.classifier import DefaultClassifier\n"
        "from backfire.understand.adapt import AdaptedClassifier\n"
        "clf = DefaultClassifier.shared()\n"
        "from backfire.model import Author, Post\n"
        "clf.predict_one(Post(id='1', platform='t', author=Author(handle='a'), text='hello there',\n"
        "                     created_at='2014-04-22T18:00:00Z'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('backfire.training')))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout
