"""Navigation items and panels of alliances: people across the alliance: mentor pairs, the expert
roster, the member-development quota flow."""
