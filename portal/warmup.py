"""Work every web process would otherwise do on its first request, done once where the
application is loaded: under gunicorn's preload (gunicorn.conf.py), in the master before it
forks, so each worker — and each replacement after GUNICORN_MAX_REQUESTS — starts with it done.

Measured (county scale, fragments cached): a fresh process's first page took 576 ms, the next
6 ms — importing the view modules behind the URLconf, building the URL resolver's reverse
tables and compiling the templates. At saturation (load_monthend.py) gunicorn replaces each of
its 4 workers every ~13 s, and that first page was paid again each time.

Nothing here touches the database: a connection opened in the master would be shared by the
forked workers.
"""

from pathlib import Path

from django.conf import settings
from django.template import engines
from django.urls import NoReverseMatch, get_resolver, reverse


def project_templates():
    """Names of the project's own templates (settings.TEMPLATES' DIRS), sorted."""
    names = set()
    for config in settings.TEMPLATES:
        for folder in config.get("DIRS", []):
            folder = Path(folder)
            names.update(path.relative_to(folder).as_posix() for path in folder.rglob("*.html"))
    return sorted(names)


def _reverse_into_each_namespace(resolver, prefix=""):
    """One reverse() into every namespace under `resolver`: reading a namespace's names builds
    its reverse tables (for the current, the default, language), and the first reverse()
    builds the namespace's own resolver (django.urls.resolvers.get_ns_resolver, kept for the
    process)."""
    for namespace, (_, inner) in resolver.namespace_dict.items():
        for name in [key for key in inner.reverse_dict if isinstance(key, str)]:
            try:
                reverse(f"{prefix}{namespace}:{name}")
                break
            except NoReverseMatch:  # a URL with arguments
                continue
        _reverse_into_each_namespace(inner, f"{prefix}{namespace}:")


def warm():
    """Import the URLconf's views, build its reverse tables (and each namespace's resolver),
    compile the project's templates into the cached loader;
    returns the number of templates compiled."""
    resolver = get_resolver()
    resolver.url_patterns  # noqa: B018 - imports every view module
    _reverse_into_each_namespace(resolver)
    import redis  # noqa: F401 - the cache's and the broker's client, imported on first use
    engine = engines["django"]
    names = project_templates()
    for name in names:
        engine.get_template(name)
    return len(names)
