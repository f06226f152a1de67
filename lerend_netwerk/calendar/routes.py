"""Calendar feeds."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)
