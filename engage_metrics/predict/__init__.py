"""What to do next: scores learned from the organization's own history, each shown with its
backtest (docs/predictions.md).

- :mod:`.asks` — the chance that a person says yes to an ask at a rung (logistic regression
  on the asks before the date);
- :mod:`.active` — the chance that a person attends again within 90 days (a survival model
  of the gaps between attendances).

Both build their features in SQL from the canonical tables filtered to before the date
(``sql/models/<id>.sql``, declared in the registry like a metric), fit a small model, and
backtest it the same way before any score is shown; a thin history or a weak backtest gives
the rule list instead (:class:`Prediction` says which).
"""
