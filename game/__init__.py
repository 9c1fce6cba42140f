"""ServiceFloor's game: a pygame-ce / pygame_gui front end, a thin client of `sim`.

`game.app.main(scenario)` opens the window (``servicefloor play [SCENARIO]``).
Screens are scenes on a stack: title -> picker -> floor (with the spotlight
conversation and the policy panel) -> debrief (charts, your calls, lost
customers) -> causal trace / conversation replay.

Time: 1x runs 30 simulated seconds per real second (an 8-hour shift in 16
minutes); 4x and 16x are faster.  Keys: Space pause, + / - speed, 1-5 choose a
response, T take or hand back calls, C / P the conversation or policy panel,
E or Esc the menu, F11 (or Alt+Enter) fullscreen.

Files live in $SERVICEFLOOR_HOME (default ``~/.local/share/servicefloor``):
``settings.json``, ``autosave.json`` (the running shift, resumed from the
title screen), ``results/*.json`` (one per finished shift; ``servicefloor
replay FILE`` reproduces its scores) and ``plays.json`` (how many shifts of
each scenario and seed were started: the next one's play number, which picks
other words for the same customers).  A damaged file is kept aside as
``*.bad-<time>.json`` and the game starts fresh.
"""
