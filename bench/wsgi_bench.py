"""The app under benchmark, plus two yardsticks: a bare endpoint that does nothing, and a
signed-in form post that does nothing but what every signed-in post pays for (the session
cookie, loading the user, the CSRF check). The second shows how close a real write can get."""

from flask import redirect
from flask_login import login_required

from lms import create_app

app = create_app()


@app.get("/_bare")
def bare():
    return "ok"


@app.post("/_signed_in_post")
@login_required
def signed_in_post():
    return redirect("/")
