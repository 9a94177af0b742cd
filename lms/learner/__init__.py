"""The learner's home: what each area knows of one person, gathered for the home page."""
