"""Who may do what to which object, in one place.

* ``rules``: the pure predicates over grants, unit paths and contest state;
* ``adapters``: the same questions asked about ``User`` objects;
* ``policy``: the table of named policies every route declares;
* ``web``: ``@requires("name")`` for views and ``check`` for the object part;
* ``docs``: ``docs/permissions.md``, generated from the table (``lms access docs``).
"""
