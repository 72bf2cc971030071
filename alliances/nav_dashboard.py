"""Home-page panels of alliances: the alliance leader's and the township's."""
