"""The bare Flask view the claim page is compared with under load: the same path, the same
gunicorn and load generator, no database, no template, no session."""

from __future__ import annotations

from flask import Flask

app = Flask(__name__)


@app.route("/claims/<int:claim_id>")
def claim(claim_id: int) -> str:
    return "hello"
