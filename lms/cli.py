"""The `lms` console command: Flask's CLI bound to the app factory."""

from flask.cli import FlaskGroup

from lms import create_app

main = FlaskGroup(
    create_app=lambda: create_app(),
    help="Manage the learning platform: init, demo, import-users, run ...",
)


if __name__ == "__main__":  # python -m lms.cli, e.g. from a checkout without the `lms` script
    main()
