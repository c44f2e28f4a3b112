"""The pages and the JSON API are siblings over one shared layer, and their handlers have one shape.

Both load what a URL names through the decorators of service.lookup, so "may
this user see it" (404) and "may this user do it" (403) are decided in one place
for both. That neither side imports the other is checked, with the other import
rules, in test_architecture.py.
"""
from __future__ import annotations


# The one read that does not load the dossier: it answers from a cached body after a single small query.
LOADS_ON_ITS_OWN = {"api.DossierItem.get"}
LOADED_IDS = ("dossier_id", "nominee_id", "round_id", "campaign_id", "job_id")


def _is_loading_handler(function) -> bool:
    """Whether service.lookup's decorator is somewhere in ``function``'s chain of wrappers."""
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and code.co_name == "handler" and code.co_filename.endswith("lookup.py"):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def _handlers(app):
    """(name, rule, function) of every handler of the pages and the API, one per method of a class view."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            yield rule.endpoint, rule.rule, view
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            name = f"{rule.endpoint.split('.')[0]}.{view_class.__name__}.{method.lower()}"
            yield name, rule.rule, getattr(view_class, method.lower())


def test_every_handler_of_an_object_in_the_url_loads_it_through_lookup(app):
    unloaded = [f"{name} {rule}" for name, rule, function in _handlers(app)
                if name.split(".")[0] in ("web", "api", "rounds", "files", "jobs")
                and any(f":{name}>" in rule for name in LOADED_IDS)
                and name not in LOADS_ON_ITS_OWN and not _is_loading_handler(function)]
    assert not unloaded, unloaded


def test_the_loading_decorators_answer_404_before_403(client, world, as_user):
    """A campaign that does not exist is not found even for someone who may not open the admin pages."""
    clerk = as_user("clerk")
    assert clerk.get("/api/v1/campaigns/999999/rounds").status_code == 404
    assert clerk.put("/api/v1/admin/campaigns/999999/templates/to_trinh").status_code == 404
    assert clerk.get("/api/v1/rounds/999999").status_code == 404
    assert clerk.get("/api/v1/jobs/999999").status_code == 404
