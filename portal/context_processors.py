from portal.dashboard import menu_html, nav_for
from portal.roles import primary_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = nav_for(user)
    return {"nav_items": entries, "nav_menu": menu_html(entries),
            "primary_role": primary_role(user)}
