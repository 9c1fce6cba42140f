"""The workshop server: sessions, joining, replay-graded submissions, the dashboard and its exports."""

from __future__ import annotations

import copy
import csv
import html
import io
import json
import re
import sqlite3
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient

from sim.workshop.grading import Rules, SubmissionError, grade
from sim.workshop.server import ENTRY_FORMAT, MAX_BODY, create_app
from sim.workshop.store import Store, hash_token
from workshop_helpers import class_results, result_doc

SCEN, SEED = "three_reps", 1


@pytest.fixture()
def db(tmp_path):
    return tmp_path / "workshop.sqlite3"


@pytest.fixture()
def client(db):
    return TestClient(create_app(db))


def _session(client, scenario=SCEN, seed=SEED, locked=True) -> str:
    r = client.post("/api/sessions", json={"scenario": scenario, "seed": seed, "levers_locked": locked},
                    headers={"X-Instructor-Key": client.app.state.key})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def _join(client, code, name):
    r = client.post(f"/api/sessions/{code}/participants", json={"name": name})
    assert r.status_code == 201, r.text
    return r.json()["token"]


def _submit(client, code, token, doc):
    return client.post(f"/api/sessions/{code}/results", json=doc, headers={"Authorization": f"Bearer {token}"})


# -- grading ---------------------------------------------------------------------------------------


def test_an_honest_result_is_graded_to_its_own_scores_with_no_flags():
    doc = result_doc(SCEN, SEED, 0)
    g = grade(doc, Rules(SCEN, SEED, True))
    assert g.flags == ()
    assert g.scores["overall"] == doc["scores"]["overall"]
    assert len(g.choices) == len(doc["decisions"]) and g.conversations


def test_a_tampered_score_is_ignored_and_flagged():
    doc = result_doc(SCEN, SEED, 1)  # a poor play
    honest = grade(doc, Rules(SCEN, SEED, True)).scores["overall"]["score"]
    doc["scores"]["overall"]["score"] = 99.0
    g = grade(doc, Rules(SCEN, SEED, True))
    assert g.scores["overall"]["score"] == honest < 99.0
    assert any("claimed score 99.0" in f for f in g.flags)


def test_edited_decisions_are_scored_as_replayed_and_flagged():
    doc = result_doc(SCEN, SEED, 0)
    edited = copy.deepcopy(doc)
    edited["decisions"][0]["kind"] = "your_choice" if doc["decisions"][0]["kind"] != "your_choice" else "answer"
    g = grade(edited, Rules(SCEN, SEED, True))
    assert g.scores["overall"] != doc["scores"]["overall"]
    assert g.flags, "the claimed scores no longer match the decisions"


@pytest.mark.parametrize("change,field", [
    (lambda d: d.update(seed=d["seed"] + 1), "seed"),
    (lambda d: d["scenario"].update(id="calm_weekday"), "scenario.id"),
    (lambda d: d["decisions"][0].update(kind="bribe"), "decisions[0].kind"),
    (lambda d: d["decisions"].append(dict(d["decisions"][0])), "decisions[%d]"),
    (lambda d: d["decisions"][0].update(time=float("inf")), "decisions[0].time"),
    (lambda d: d.update(format="something else"), "format"),
    (lambda d: d["commands"].append({"time": 5.0, "type": "policy", "key": "staffing", "value": [9]}), "commands[%d]"),
])
def test_results_that_break_the_session_rules_are_refused(change, field):
    doc = result_doc(SCEN, SEED, 0)
    change(doc)
    with pytest.raises(SubmissionError) as err:
        grade(doc, Rules(SCEN, SEED, True))
    want = field % (len(doc["decisions"]) - 1) if "decisions[%d]" in field else \
        field % (len(doc["commands"]) - 1) if "%d" in field else field
    assert err.value.field == want


# -- the API ---------------------------------------------------------------------------------------


def test_a_class_joins_submits_and_is_ranked_by_the_servers_scores(client):
    code = _session(client)
    docs = class_results(SCEN, SEED, 4)
    for name, text in docs:
        r = _submit(client, code, _join(client, code, name), json.loads(text))
        assert r.status_code == 201, r.text
        assert r.json()["flags"] == []
    board = client.get(f"/api/sessions/{code}/leaderboard").json()
    assert [b["name"] for b in board] == [n for n, t in sorted(docs, key=lambda x: -json.loads(x[1])["scores"]
                                                                ["overall"]["score"])]
    assert [b["rank"] for b in board] == [1, 2, 3, 4]
    assert board[0]["score"] >= board[-1]["score"] and board[0]["stars"] >= board[-1]["stars"]


def test_a_submission_sent_twice_is_stored_once(client, db):
    code = _session(client)
    token = _join(client, code, "Ana")
    doc = result_doc(SCEN, SEED, 0)
    first, again = _submit(client, code, token, doc), _submit(client, code, token, doc)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["stored"] is False and again.json()["result_id"] == first.json()["result_id"]
    other = _submit(client, code, token, result_doc(SCEN, SEED, 1))
    assert other.status_code == 409
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0] == 1


def test_a_token_is_needed_to_submit_for_a_name(client):
    code, other = _session(client), _session(client)
    token = _join(client, code, "Ana")
    doc = result_doc(SCEN, SEED, 0)
    assert client.post(f"/api/sessions/{code}/results", json=doc).status_code == 401
    assert _submit(client, code, "not-a-token", doc).status_code == 403
    assert _submit(client, other, token, doc).status_code == 403  # a token of another session
    assert client.get(f"/api/sessions/{code}/leaderboard").json() == []


def test_bad_submissions_get_a_clear_4xx_and_change_nothing(client, db):
    code = _session(client)
    token = _join(client, code, "Ana")
    headers = {"Authorization": f"Bearer {token}", "content-type": "application/json"}
    url = f"/api/sessions/{code}/results"
    wrong_seed = dict(result_doc(SCEN, SEED, 0), seed=SEED + 5)
    r = client.post(url, json=wrong_seed, headers=headers)
    assert r.status_code == 422 and r.json()["field"] == "seed" and "seed" in r.json()["detail"]
    assert client.post(url, content=b"{not json", headers=headers).status_code == 422
    assert client.post(url, json={"format": 1}, headers=headers).status_code == 422
    assert client.post(url, content=b"x" * (MAX_BODY + 1), headers=headers).status_code == 413
    assert client.post("/api/sessions/NOPE99/results", json=result_doc(SCEN, SEED, 0), headers=headers) \
        .status_code == 404
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM results").fetchone()[0] == 0


def test_names_are_unique_per_session_and_tokens_are_stored_hashed(client, db):
    code = _session(client)
    token = _join(client, code, "Ana")
    assert client.post(f"/api/sessions/{code}/participants", json={"name": " ana "}).status_code == 409
    assert client.post(f"/api/sessions/{code}/participants", json={"name": ""}).status_code == 422
    assert client.post(f"/api/sessions/{code}/participants", json={"name": "x" * 41}).status_code == 422
    stored = sqlite3.connect(db).execute("SELECT token_hash FROM participants").fetchone()[0]
    assert stored == hash_token(token) and token not in stored


def test_sessions_and_results_survive_a_restart(db):
    first = TestClient(create_app(db))
    code = _session(first)
    _submit(first, code, _join(first, code, "Ana"), result_doc(SCEN, SEED, 0))
    key = first.app.state.key
    again = TestClient(create_app(db))  # a new process on the same database
    assert again.app.state.key == key
    assert [b["name"] for b in again.get(f"/api/sessions/{code}/leaderboard").json()] == ["Ana"]
    assert again.get(f"/api/sessions/{code}").json()["scenario"] == SCEN


def test_instructor_pages_and_session_creation_need_the_key(client):
    code = _session(client)
    assert client.post("/api/sessions", json={"scenario": SCEN}).status_code == 401
    for path in (f"/sessions/{code}", f"/sessions/{code}/results.csv", f"/sessions/{code}/playbook.toml"):
        r = client.get(path, follow_redirects=False)  # a page without the key: off to the login page
        assert r.status_code == 303 and r.headers["location"] == "/?" + urlencode({"next": path}), path
        login = client.get(path)
        assert "instructor key" in login.text.lower() and "Leaderboard" not in login.text
        assert f'name="next" value="{path}"' in login.text
    for path in (f"/sessions/{code}/remove", f"/sessions/{code}/close"):
        assert client.post(path, data={"participant": 1}, follow_redirects=False).status_code == 303
        assert not client.get(f"/api/sessions/{code}").json()["closed"]
    assert "instructor key" in client.get("/").text.lower()
    r = client.get(f"/?key={client.app.state.key}&next=/sessions/{code}/report", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/sessions/{code}/report"  # back where they were
    assert client.get(f"/sessions/{code}").status_code == 200  # the cookie is set now
    for evil in ("https://evil.example/", "//evil.example/x", "/sessions/..//evil"):
        r = client.get("/", params={"key": client.app.state.key, "next": evil}, follow_redirects=False)
        assert r.headers["location"] == "/", evil  # never sent to another site


def test_the_dashboard_shows_who_chose_what_and_what_it_did(client):
    code = _session(client)
    for name, text in class_results(SCEN, SEED, 4):
        _submit(client, code, _join(client, code, name), json.loads(text))
    client.get(f"/?key={client.app.state.key}")
    page = html.unescape(client.get(f"/sessions/{code}").text)
    assert code in page and "4</b> finished" in page
    assert "Customer 1" in page and "their customers' frustration" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/sessions/{code}/results.csv").content.decode("utf-8-sig"))))
    assert [r["rank"] for r in rows] == ["1", "2", "3", "4"]
    assert float(rows[0]["score"]) >= float(rows[-1]["score"])
    report = client.get(f"/sessions/{code}/report").text
    assert "/static/workshop.css" in report and "Debrief" in report
    assert "@media print" in client.get("/static/workshop.css").text
    board = client.get(f"/api/sessions/{code}/leaderboard").json()
    side = client.get(f"/sessions/{code}/compare", params={"a": board[0]["participant_id"],
                                                           "b": board[-1]["participant_id"]}).text
    assert board[0]["name"] in side and board[-1]["name"] in side and "frustration" in side


def test_the_dashboard_shows_a_conversation_in_the_words_of_the_submitted_play(client):
    from sim.dialogue import customer_line, line_key
    doc = result_doc(SCEN, SEED, 0)
    first, fourth = grade(dict(doc, play=0), Rules(SCEN, SEED, True)), grade(dict(doc, play=3), Rules(SCEN, SEED, True))
    assert fourth.scores == first.scores and fourth.digest == first.digest  # the play changes words, not scores
    assert grade({k: v for k, v in doc.items() if k != "play"}, Rules(SCEN, SEED, True)).conversations == \
        first.conversations  # no play: the first
    steps, steps0 = fourth.conversations[0]["steps"], first.conversations[0]["steps"]
    conv = fourth.conversations[0]
    opening = customer_line(conv["goal"], conv["segment"], steps[0]["mood"], "opening",
                            line_key(conv["contact_id"], steps[0]["turn"], 3))
    assert steps[0]["customer"] == opening != steps0[0]["customer"]
    assert all(a["customer"] != b["customer"] for a, b in zip(steps, steps0))
    for bad in (-1, 256, True, "3", None):
        with pytest.raises(SubmissionError) as err:
            grade(dict(doc, play=bad), Rules(SCEN, SEED, True))
        assert err.value.field == "play"

    code = _session(client)
    assert _submit(client, code, _join(client, code, "Ana"), dict(doc, play=3)).status_code == 201
    assert _submit(client, code, _join(client, code, "Ben"), dict(doc, play=999)).status_code == 422
    client.get(f"/?key={client.app.state.key}")
    side = html.unescape(client.get(f"/sessions/{code}/compare").text)
    at = 0
    for st in steps:  # the fourth play's conversation, line by line
        at = side.find(st["customer"], at)
        assert at >= 0, st["customer"]
    assert steps0[0]["customer"] not in side  # not the first play's


def test_an_offline_result_file_is_imported_once_and_a_bad_one_adds_nobody(client, db):
    code = _session(client)
    client.get(f"/?key={client.app.state.key}")
    entry = {"format": ENTRY_FORMAT, "code": code, "name": "Offline Olu", "result": result_doc(SCEN, SEED, 0)}
    bad = dict(entry, name="Broken Bo", result=dict(entry["result"], seed=77))
    files = [("files", ("olu.json", json.dumps(entry), "application/json")),
             ("files", ("bo.json", json.dumps(bad), "application/json")),
             ("files", ("junk.json", b"\x00\x01 not json", "application/json"))]
    page = client.post(f"/sessions/{code}/import", files=files).text
    assert "Offline Olu added" in page and "bo.json: not imported" in page and "junk.json: not imported" in page
    again = client.post(f"/sessions/{code}/import", files=files[:1]).text
    assert "was already there" in again
    names = [b["name"] for b in client.get(f"/api/sessions/{code}/leaderboard").json()]
    assert names == ["Offline Olu"]
    assert [r[0] for r in sqlite3.connect(db).execute("SELECT name FROM participants")] == ["Offline Olu"]


def test_open_levers_accept_policy_changes_and_locked_ones_refuse_them(client):
    locked, open_ = _session(client, "calm_weekday", 2, True), _session(client, "calm_weekday", 2, False)
    doc = result_doc("calm_weekday", 2, 0, size=1)
    doc["commands"].append({"time": 600.0, "type": "policy", "key": "playbook", "value": "fast_and_friendly"})
    r_locked = _submit(client, locked, _join(client, locked, "Ana"), doc)
    assert r_locked.status_code == 422 and "locked" in r_locked.json()["detail"]
    r_open = _submit(client, open_, _join(client, open_, "Ana"), doc)
    assert r_open.status_code == 201
    assert r_open.json()["flags"], "the claimed scores were computed without the playbook change"


def test_store_writes_are_all_or_nothing(tmp_path):
    store = Store(tmp_path / "w.db")
    s = store.create_session("t", SCEN, SEED, True, 0)
    p, _ = store.join(s.code, "Ana")

    class Broken:
        digest = "d"
        scores = {"overall": {}}
        objectives: list = []
        flags = ()
        choices = ({"x": object()},)  # not JSON: the insert fails half-way
        conversations = ()

    with pytest.raises(TypeError):
        store.store_result(p, Broken(), "game", {})
    assert store.results(s.code) == []
    assert sqlite3.connect(tmp_path / "w.db").execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_instructor_can_remove_a_result_so_the_trainee_sends_another(client):
    code = _session(client)
    token = _join(client, code, "Ana")
    assert _submit(client, code, token, result_doc(SCEN, SEED, 0)).status_code == 201
    second = result_doc(SCEN, SEED, 1)
    refused = _submit(client, code, token, second)
    assert refused.status_code == 409 and "remove it on the dashboard" in refused.json()["detail"]
    pid = client.get(f"/api/sessions/{code}/leaderboard").json()[0]["participant_id"]
    first_score = client.get(f"/api/sessions/{code}/leaderboard").json()[0]["score"]
    r = client.post(f"/sessions/{code}/remove", data={"participant": pid}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"  # no key: to the login page, nothing removed
    assert len(client.get(f"/api/sessions/{code}/leaderboard").json()) == 1
    client.get(f"/?key={client.app.state.key}")
    assert client.post(f"/sessions/{code}/remove", data={"participant": pid}, follow_redirects=False).status_code == 303
    assert client.get(f"/api/sessions/{code}/leaderboard").json() == []
    page = client.get(f"/sessions/{code}").text
    assert 'id="removed"' in page and "Ana" in page and "undo" in page  # set aside, not deleted
    # undo: the same result is back, with its score
    assert client.post(f"/sessions/{code}/restore", data={"participant": pid}, follow_redirects=False).status_code == 303
    assert [b["score"] for b in client.get(f"/api/sessions/{code}/leaderboard").json()] == [first_score]
    assert 'id="removed"' not in client.get(f"/sessions/{code}").text
    assert client.post(f"/sessions/{code}/restore", data={"participant": pid}).status_code == 404  # nothing to undo
    # removed again, the trainee sends another; the old one can no longer come back over it
    client.post(f"/sessions/{code}/remove", data={"participant": pid})
    assert _submit(client, code, token, second).status_code == 201
    assert client.get(f"/api/sessions/{code}/leaderboard").json()[0]["score"] == second["scores"]["overall"]["score"]
    refused = client.post(f"/sessions/{code}/restore", data={"participant": pid})
    assert refused.status_code == 409 and "sent another result" in refused.text and "<html" in refused.text


def test_serve_prints_the_class_address_and_the_dashboard_key_and_answers(tmp_path):
    import os
    import subprocess
    import sys
    import urllib.request

    from sim.workshop.live import free_port

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sim.cli", "workshop", "serve", "--host", "127.0.0.1", "--port",
                             str(port), "--db", str(tmp_path / "w.db")], stdout=subprocess.PIPE, text=True,
                            env=dict(os.environ, SERVICEFLOOR_HOME=str(tmp_path)))
    try:
        lines = [proc.stdout.readline() for _ in range(3)]
        assert f"http://127.0.0.1:{port}" in lines[1] and "?key=" in lines[2]
        key = lines[2].strip().split("?key=")[1]
        assert key == Store(tmp_path / "w.db").instructor_key()
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2) as r:
                    assert json.loads(r.read()) == {"ok": True}
                break
            except OSError:
                import time
                time.sleep(0.05)
        else:
            raise AssertionError("the server never answered")
        # a submission is replayed in a worker process; stopping the server stops the workers too
        from sim.workshop.client import WorkshopClient
        client = WorkshopClient(f"127.0.0.1:{port}")
        code = Store(tmp_path / "w.db").create_session("t", SCEN, SEED, True, 0).code
        doc = result_doc(SCEN, SEED, 0)
        assert client.submit(code, client.join(code, "Ana")["token"], doc)["score"] == doc["scores"]["overall"]["score"]
        children = [int(x) for x in subprocess.run(["pgrep", "-P", str(proc.pid)], capture_output=True,
                                                   text=True).stdout.split()]
        assert children, "grading runs in worker processes"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    import time
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{c}") for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [c for c in children if os.path.exists(f"/proc/{c}")], "worker processes outlived the server"


def test_serve_on_a_port_in_use_says_so(tmp_path, capsys):
    import socket

    from sim.cli import main

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["workshop", "serve", "--host", "127.0.0.1", "--port", str(port), "--db",
                     str(tmp_path / "w.db")]) == 2
    assert "in use" in capsys.readouterr().err


def test_grading_in_worker_processes_gives_the_same_answers(tmp_path):
    with TestClient(create_app(tmp_path / "w.db", grading_workers=1)) as c:
        code = _session(c)
        doc = result_doc(SCEN, SEED, 0)
        ok = _submit(c, code, _join(c, code, "Ana"), doc)
        assert ok.status_code == 201 and ok.json()["score"] == doc["scores"]["overall"]["score"]
        bad = _submit(c, code, _join(c, code, "Ben"), dict(doc, seed=SEED + 1))
        assert bad.status_code == 422 and bad.json()["field"] == "seed"  # raised in the worker, re-raised here


def test_a_closed_session_takes_no_joins_or_results_but_imports_and_reopens(client, db):
    code = _session(client)
    token = _join(client, code, "Ana")
    client.get(f"/?key={client.app.state.key}")
    assert client.post(f"/sessions/{code}/close", data={"closed": 1}, follow_redirects=False).status_code == 303
    assert client.get(f"/api/sessions/{code}").json()["closed"] is True
    joined = client.post(f"/api/sessions/{code}/participants", json={"name": "Late Lou"})
    assert joined.status_code == 409 and "closed" in joined.json()["detail"]
    sent = _submit(client, code, token, result_doc(SCEN, SEED, 0))
    assert sent.status_code == 409 and "closed" in sent.json()["detail"]
    entry = {"format": ENTRY_FORMAT, "code": code, "name": "Offline Olu", "result": result_doc(SCEN, SEED, 1)}
    assert client.post(f"/api/sessions/{code}/import", json=entry).status_code == 201  # the instructor still can
    assert "Reopen session" in client.get(f"/sessions/{code}").text
    client.post(f"/sessions/{code}/close", data={"closed": 0})
    assert _submit(client, code, token, result_doc(SCEN, SEED, 0)).status_code == 201
    assert sorted(b["name"] for b in client.get(f"/api/sessions/{code}/leaderboard").json()) == ["Ana", "Offline Olu"]


def test_a_database_from_before_sessions_could_close_keeps_its_rows(tmp_path):
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript("""
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        INSERT INTO meta VALUES ('schema', '1');
        CREATE TABLE sessions (code TEXT PRIMARY KEY, title TEXT NOT NULL, scenario TEXT NOT NULL,
            seed INTEGER NOT NULL, levers_locked INTEGER NOT NULL, time_limit_min INTEGER NOT NULL,
            created REAL NOT NULL);
        INSERT INTO sessions VALUES ('ABCDEF', 'old class', 'three_reps', 3, 1, 0, 1.0);
        CREATE TABLE participants (id INTEGER PRIMARY KEY, code TEXT NOT NULL, name TEXT NOT NULL,
            name_key TEXT NOT NULL, token_hash TEXT NOT NULL, joined REAL NOT NULL, UNIQUE (code, name_key));
        INSERT INTO participants VALUES (1, 'ABCDEF', 'Ana', 'ana', 'x', 2.0);""")
    old.commit()
    old.close()
    store = Store(path)  # the columns added since (closed, archived, the round, progress) appear, rows kept
    s = store.session("ABCDEF")
    assert (s.title, s.seed, s.closed, s.archived, s.deadline) == ("old class", 3, False, False, None)
    assert [(p.name, p.progress) for p in store.participants("ABCDEF")] == [("Ana", None)]


def test_the_session_list_counts_who_joined_and_finished(client):
    code, empty = _session(client), _session(client)
    _submit(client, code, _join(client, code, "Ana"), result_doc(SCEN, SEED, 0))
    _join(client, code, "Ben")
    assert client.app.state.store.counts() == {code: (2, 1), empty: (0, 0)}
    client.get(f"/?key={client.app.state.key}")
    page = client.get("/").text
    assert '<td class="num">2</td><td class="num">1</td>' in page and '<td class="num">0</td><td class="num">0</td>' in page


# ---------------------------------------------------------------------------
# The dashboard as a browser sees it: pages for errors, one rule for new sessions, redirects after posts
# ---------------------------------------------------------------------------


def test_every_page_carries_a_content_security_policy_without_inline_script(client):
    code = _session(client)
    client.get(f"/?key={client.app.state.key}")
    for path in ("/", f"/sessions/{code}", f"/sessions/{code}/report", f"/sessions/{code}/live",
                 "/static/workshop.js", "/api/health", "/sessions/NOSUCH"):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        scripts = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert scripts.split() == ["script-src", "'self'"], path
        assert r.headers["x-content-type-options"] == "nosniff"
        if r.headers["content-type"].startswith("text/html"):
            assert not re.search(r"<[^>]*\son[a-z]+\s*=", r.text, re.I), path  # no inline event handlers
            assert all("src=" in tag for tag in re.findall(r"<script[^>]*>", r.text)), path  # no inline script


def test_unknown_codes_and_bad_form_posts_get_a_page_not_json(client):
    client.get(f"/?key={client.app.state.key}")
    r = client.get("/sessions/NOSUCH")
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "no workshop session with the code" in html.unescape(r.text) and "Back to the workshop" in r.text
    assert client.get("/no/such/page").headers["content-type"].startswith("text/html")
    assert client.get("/api/sessions/NOSUCH").headers["content-type"] == "application/json"  # the API stays JSON
    for form, field in (({"scenario": SCEN, "seed": "-5"}, "seed"), ({"scenario": SCEN, "time_limit_min": "-3"},
                        "time_limit_min"), ({"scenario": SCEN, "time_limit_min": "100000"}, "time_limit_min"),
                        ({"scenario": SCEN, "seed": "lots"}, "seed"), ({"scenario": "nope"}, "scenario"),
                        ({"seed": "1"}, "scenario"), ({"scenario": SCEN, "levers": "maybe"}, "levers")):
        r = client.post("/sessions", data=form, follow_redirects=False)
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html"), (form, r.text[:200])
        assert field in html.unescape(r.text), form
    assert client.get("/").text.count("/sessions/") == 0  # nothing was created


def test_workshop_create_checks_the_same_ranges_as_the_form_and_the_api(tmp_path, capsys):
    from sim.cli import main
    from sim.workshop.store import Store

    db = tmp_path / "w.db"
    for args, flag in ((["--seed", "-5"], "--seed"), (["--time-limit", "-3"], "--time-limit"),
                       (["--time-limit", "100000"], "--time-limit"), (["--title", "x" * 81], "--title")):
        assert main(["workshop", "create", SCEN, "--db", str(db), *args]) == 2, args
        err = capsys.readouterr().err
        assert err.startswith(f"servicefloor: {flag}: ") and "Traceback" not in err, err
    assert Store(db).sessions() == []
    assert main(["workshop", "create", SCEN, "--db", str(db), "--time-limit", "600", "--seed", "0"]) == 0
    assert [(s.seed, s.time_limit_min) for s in Store(db).sessions()] == [(0, 600)]


def test_an_upload_redirects_and_says_what_was_not_a_result_file(client, tmp_path):
    code = _session(client)
    client.get(f"/?key={client.app.state.key}")
    files = [("files", ("notes.txt", b"these are my notes, not a result", "text/plain")),
             ("files", ("half.json", b'{"format": "servicefloor-workshop-entry/1"', "application/json"))]
    r = client.post(f"/sessions/{code}/import", files=files, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith(f"/sessions/{code}?notes=")
    page = html.unescape(client.get(r.headers["location"]).text)
    assert "notes.txt: not imported: this is not a JSON file" in page
    assert "half.json: not imported: this is not a JSON file" in page
    assert "not imported" not in client.get(r.headers["location"]).text  # shown once: a reload posts nothing
    assert client.get(f"/api/sessions/{code}/leaderboard").json() == []


def test_the_csv_has_a_bom_and_names_cannot_become_formulas(client):
    code = _session(client)
    names = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2", "@SUM(A1)", "Siobhán Ó Briain"]
    for i, (name, (_, text)) in enumerate(zip(names, class_results(SCEN, SEED, len(names)))):
        _submit(client, code, _join(client, code, name), json.loads(text))
    client.get(f"/?key={client.app.state.key}")
    raw = client.get(f"/sessions/{code}/results.csv").content
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    shown = {r["name"] for r in rows}
    assert shown == {"'" + n for n in names[:4]} | {"Siobhán Ó Briain"}
    assert all(not r["name"].startswith(("=", "+", "-", "@")) for r in rows)
    assert all(float(r["score"]) > 0 for r in rows)  # numbers stay numbers


def test_nan_infinity_and_deep_json_are_refused_with_422_not_500(client):
    k = {"X-Instructor-Key": client.app.state.key, "content-type": "application/json"}
    code = _session(client)
    token = _join(client, code, "Ana")
    auth = {"content-type": "application/json", "Authorization": f"Bearer {token}"}
    text = json.dumps(result_doc(SCEN, SEED, 0))
    deep = "[" * 900 + "]" * 900
    cases = [("/api/sessions", '{"scenario": "%s", "seed": NaN}' % SCEN, k, "NaN"),
             ("/api/sessions", '{"scenario": "%s", "time_limit_min": Infinity}' % SCEN, k, "Infinity"),
             (f"/api/sessions/{code}/participants", '{"name": NaN}', {"content-type": "application/json"}, "NaN"),
             (f"/api/sessions/{code}/results", text.replace('"seed": 1', '"seed": NaN', 1), auth, "NaN"),
             (f"/api/sessions/{code}/results", text.replace('"time": ', '"time": -Infinity, "x": ', 1), auth,
              "Infinity"),
             (f"/api/sessions/{code}/results", text.replace('"policies": {', '"policies": {"deep": %s, ' % deep, 1),
              auth, "nested too deep"),
             (f"/api/sessions/{code}/results", '{"format": ', auth, "not valid JSON")]
    for path, body, headers, says in cases:
        r = client.post(path, content=body, headers=headers)
        assert r.status_code == 422 and says in r.json()["detail"], (path, says, r.status_code, r.text[:200])
    assert client.get(f"/api/sessions/{code}/leaderboard").json() == []
    assert len(client.get("/api/sessions/" + code).json()) > 0  # the server is fine afterwards


def test_a_result_without_a_single_trainee_answer_is_refused_not_ranked(client):
    code = _session(client)
    token = _join(client, code, "Ana")
    doc = result_doc(SCEN, SEED, 0)
    r = _submit(client, code, token, dict(doc, decisions=[]))
    assert r.status_code == 422 and r.json()["field"] == "decisions" and "no answer" in r.json()["detail"]
    stale = [dict(d, contact_id=d["contact_id"] + 1000) for d in doc["decisions"]]  # answers nobody asked for
    assert _submit(client, code, token, dict(doc, decisions=stale)).status_code == 422
    assert client.get(f"/api/sessions/{code}/leaderboard").json() == []
    assert _submit(client, code, token, doc).status_code == 201


def test_the_projector_shows_one_moment_at_a_time_hides_names_and_reveals_shares_on_a_click(client):
    code = _session(client)
    names = []
    for name, text in class_results(SCEN, SEED, 4):
        _submit(client, code, _join(client, code, name), json.loads(text))
        names.append(name)
    client.get(f"/?key={client.app.state.key}")
    first = client.get(f"/sessions/{code}/projector").text
    assert code in first and 'src="data:image/svg+xml' in first and f"/join/{code}" in first  # QR to the join page
    assert "4 of 4 finished" in first
    hidden = html.unescape(client.get(f"/sessions/{code}/projector", params={"m": 1}).text)
    assert "Key moment 1 of" in hidden and "hidden until you reveal" in hidden and "trainee\u00a0" not in hidden
    assert "\u00a0% \u00b7" not in hidden  # no shares before the reveal
    shown = html.unescape(client.get(f"/sessions/{code}/projector", params={"m": 1, "reveal": 1}).text)
    assert re.search(r"\d+\u00a0% \u00b7 \d+ trainees?", shown)  # "50 % · 2 trainees"
    assert shown.count('<li class="tone-') <= 4 and ("\u2713" in shown or "\u2717" in shown)
    for name in names:
        assert name not in shown and name not in hidden and name not in first  # names never on the projector
    assert "Key moment" in client.get(f"/sessions/{code}/projector", params={"m": 999}).text  # clamped
    join = client.get(f"/join/{code}")  # the QR code's page needs no key
    client.cookies.clear()
    join = client.get(f"/join/{code}")
    assert join.status_code == 200 and code in join.text and "Join workshop" in join.text


def test_the_csv_exports_carry_the_session_iso_times_levers_and_every_decision(tmp_path):
    from sim import load_scenario
    from sim.model import clock_text

    c = TestClient(create_app(tmp_path / "w.db"))
    scen = "public_complaint"  # a scenario with levers
    code = _session(c, scenario=scen, locked=False)
    doc = result_doc(scen, SEED, 0)
    late = max(float(d["time"]) for d in doc["decisions"]) + 1.0  # after the trainee's last answer: it changes none
    doc["commands"] = [*doc["commands"], {"time": late, "type": "policy", "key": "authority_limit", "value": 80}]
    r = _submit(c, code, _join(c, code, "Ana"), doc)
    assert r.status_code == 201, r.text
    c.get(f"/?key={c.app.state.key}")
    rows = list(csv.DictReader(io.StringIO(c.get(f"/sessions/{code}/results.csv").content.decode("utf-8-sig"))))
    (row,) = rows
    assert (row["session"], row["scenario"], row["seed"]) == (code, scen, str(SEED))
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", row["received"])
    start = load_scenario(scen).start_clock
    assert row["lever_changes"] == "1" and row["levers"] == f"authority_limit=80 at {clock_text(start, late)}"
    assert float(row["staff_cost"]) > 0 and row["money_paid"] != ""
    long = list(csv.DictReader(io.StringIO(c.get(f"/sessions/{code}/decisions.csv").content.decode("utf-8-sig"))))
    assert len(long) >= 3
    assert {d["name"] for d in long} == {"Ana"} and all(d["response_label"] for d in long)
    assert [d["step"] for d in long if d["customer"] == "1"][:3] == ["1", "2", "3"]


# ---------------------------------------------------------------------------
# The facilitator's console: the class countdown, progress, late results, rename/archive/delete
# ---------------------------------------------------------------------------


def test_the_server_keeps_the_class_countdown_and_marks_late_results(client):
    r = client.post("/api/sessions", json={"scenario": SCEN, "seed": SEED, "time_limit_min": 20},
                    headers={"X-Instructor-Key": client.app.state.key})
    code = r.json()["code"]
    assert r.json()["seconds_left"] is None  # no countdown until the instructor starts the round
    client.get(f"/?key={client.app.state.key}")
    assert client.post(f"/sessions/{code}/round", data={"action": "start"}, follow_redirects=False).status_code == 303
    left = client.get(f"/api/sessions/{code}").json()["seconds_left"]
    assert 1190 < left <= 1200
    ana, ben = _join(client, code, "Ana"), _join(client, code, "Ben")
    beat = client.post(f"/api/sessions/{code}/progress", json={"shift_s": 3700, "calls": 2},
                       headers={"Authorization": f"Bearer {ana}"})
    assert beat.status_code == 200 and 1190 < beat.json()["seconds_left"] <= 1200 and not beat.json()["ended"]
    page = html.unescape(client.get(f"/sessions/{code}").text)
    assert "playing: 10:01, 2 calls" in page and "joined, not playing yet" in page and "left in the round" in page
    assert client.post(f"/api/sessions/{code}/progress", json={"shift_s": -1}).status_code in (401, 422)
    assert _submit(client, code, ana, result_doc(SCEN, SEED, 0)).json()["flags"] == []  # in time
    client.post(f"/sessions/{code}/round", data={"action": "end"})  # "end the round now"
    beat = client.post(f"/api/sessions/{code}/progress", json={"shift_s": 100, "calls": 0},
                       headers={"Authorization": f"Bearer {ben}"})
    assert beat.json() == {"seconds_left": 0.0, "ended": True}  # the game stops and sends what it has
    store = client.app.state.store
    s = store.session(code)
    from sim.workshop.server import _late
    assert _late(s, now=s.deadline + 30) == "" and _late(s, now=s.deadline + 600) == "late: sent 10 min after the round ended"
    assert "the round has ended" in client.get(f"/sessions/{code}").text


def test_sessions_can_be_renamed_archived_and_deleted_only_when_archived(client):
    code = _session(client)
    _submit(client, code, _join(client, code, "Ana"), result_doc(SCEN, SEED, 0))
    client.get(f"/?key={client.app.state.key}")
    client.post(f"/sessions/{code}/rename", data={"title": "  Round 2,   group B "})
    assert client.get(f"/api/sessions/{code}").json()["title"] == "Round 2, group B"
    assert client.post(f"/sessions/{code}/rename", data={"title": "x" * 81}).status_code == 422
    r = client.post(f"/sessions/{code}/delete", data={"confirm": code})
    assert r.status_code == 409 and "archive the session first" in r.text  # a live session is never deleted
    client.post(f"/sessions/{code}/archive", data={"archived": 1})
    index = client.get("/").text
    assert 'id="archived"' in index and code in index
    assert client.get(f"/api/sessions/{code}").json()["closed"]  # archived sessions take no joins
    assert client.post(f"/sessions/{code}/delete", data={"confirm": "WRONG"}).status_code == 422
    assert len(client.get(f"/api/sessions/{code}/leaderboard").json()) == 1  # nothing deleted by a wrong code
    client.post(f"/sessions/{code}/archive", data={"archived": 0})
    client.post(f"/sessions/{code}/archive", data={"archived": 1})
    assert client.post(f"/sessions/{code}/delete", data={"confirm": code.lower()}, follow_redirects=False).status_code == 303
    assert client.get(f"/api/sessions/{code}").status_code == 404



def test_open_lever_sessions_show_levers_and_cost_and_the_class_at_a_glance(tmp_path):
    c = TestClient(create_app(tmp_path / "w.db"))
    scen = "public_complaint"
    code = _session(c, scenario=scen, locked=False)
    docs = class_results(scen, SEED, 4)
    for i, (name, text) in enumerate(docs):
        doc = json.loads(text)
        if i == 0:
            late = max(float(d["time"]) for d in doc["decisions"]) + 1.0
            doc["commands"] = [*doc["commands"], {"time": late, "type": "policy", "key": "supervisors", "value": 3}]
        assert _submit(c, code, _join(c, code, name), doc).status_code == 201
    c.get(f"/?key={c.app.state.key}")
    page = html.unescape(c.get(f"/sessions/{code}").text)
    assert "Levers pulled" in page and "supervisors=3 at" in page and "Staff cost" in page
    assert 'id="score-spread"' in page and 'id="objective-rates"' in page and 'id="by-policy"' in page
    assert "no lever changed" in page and "supervisors" in page
    assert 'id="top-quarter"' in page or len(docs) < 4


def test_rounds_or_groups_compare_on_one_page(client):
    a, b = _session(client), _session(client)
    docs = class_results(SCEN, SEED, 4)
    for name, text in docs[:2]:
        _submit(client, a, _join(client, a, name), json.loads(text))
    for name, text in docs[2:]:
        _submit(client, b, _join(client, b, name), json.loads(text))
    client.get(f"/?key={client.app.state.key}")
    client.post(f"/sessions/{a}/rename", data={"title": "Round 1"})
    client.post(f"/sessions/{b}/rename", data={"title": "Round 2"})
    assert 'id="compare-sessions"' in client.get("/").text
    page = html.unescape(client.get("/compare-sessions", params=[("codes", a), ("codes", b)]).text)
    assert "Round 1 vs Round 2" in page and "Mean score (95 % interval)" in page and 'id="moves"' in page
    assert "Customer 1" in page and "\u00b7 1 trainee" in page
    one = client.get("/compare-sessions", params=[("codes", a)])
    assert one.status_code == 422 and "two or more" in html.unescape(one.text)
