"""URLs of the service menu (三向互动), the alliance's micro-wishes and the 一月一公益 check, under
/alliances/menu/."""

from django.urls import path

from alliances.views import menu, wishes

urlpatterns = [
    path("<int:pk>/", menu.alliance_menu, name="alliance_menu"),
    path("<int:pk>/propose/", menu.ProposeItemView.as_view(), name="menu_item_propose"),
    path("items/<int:pk>/", menu.menu_item_detail, name="menu_item_detail"),
    path("items/<int:pk>/vote/", menu.VoteView.as_view(), name="menu_item_vote"),
    path("items/<int:pk>/unvote/", menu.UnvoteView.as_view(), name="menu_item_unvote"),
    path("items/<int:pk>/commit/", menu.CommitItemView.as_view(), name="menu_item_commit"),
    path("items/<int:pk>/schedule/", menu.ScheduleItemView.as_view(), name="menu_item_schedule"),
    path("items/<int:pk>/done/", menu.MarkDoneView.as_view(), name="menu_item_done"),
    path("items/<int:pk>/withdraw/", menu.WithdrawItemView.as_view(), name="menu_item_withdraw"),
    path("charity/", menu.charity_board, name="charity_board"),
    path("<int:pk>/wishes/", wishes.alliance_wishes, name="alliance_wishes"),
    path("needs/", wishes.my_alliance_needs, name="my_alliance_needs"),
    path("needs/<int:pk>/claim/", wishes.WishClaimView.as_view(), name="wish_claim"),
    path("needs/claims/<int:pk>/withdraw/", wishes.WishClaimWithdrawView.as_view(),
         name="wish_claim_withdraw"),
    path("needs/claims/<int:pk>/report/", wishes.WishClaimReportView.as_view(),
         name="wish_claim_report"),
]
