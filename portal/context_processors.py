from portal.dashboard import nav_for
from portal.roles import primary_role


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": nav_for(user), "primary_role": primary_role(user)}
