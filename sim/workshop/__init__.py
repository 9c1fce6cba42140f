"""Workshops: a class plays one seeded scenario; the server checks and collects the results.

* `grading` re-runs a submitted decision list through the model and scores it here;
* `moments` and `classbook` turn a class's graded results into the debrief's key
  moments and into a responder the policy lab can run;
* `store` keeps sessions and results in SQLite; `server` is the HTTP service
  (FastAPI), `client` what the game and the load test use to talk to it.

Only `server` needs the web framework; everything else is plain Python over `sim`.
"""
