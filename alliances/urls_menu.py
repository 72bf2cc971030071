"""URLs of the service menu (三向互动), the alliance's micro-wishes and the 一月一公益 check, under
/alliances/menu/."""

urlpatterns = []
