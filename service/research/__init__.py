"""The researcher's page: their own API tokens and the exports of released results."""
