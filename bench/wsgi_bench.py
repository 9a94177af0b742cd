"""The app under benchmark, plus one bare endpoint that does nothing, as the yardstick."""

from lms import create_app

app = create_app()


@app.get("/_bare")
def bare():
    return "ok"
