"""The UI in Simplified Chinese (issue 12, DESIGN 13): every message translated, every page shown in Chinese,
the scripts' words too, Chinese names found, numbers and dates by locale."""

from __future__ import annotations

import html
import importlib.util
import json
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from graphcrm.stores import open_store
from graphcrm.webapp import create_app
from graphcrm.webapp.i18n import SCRIPT_WORDS

from handbuilt import organisation

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
PAGES = ["/", "/reports", "/reports/coverage?as_of=2026-03-01", "/reports/key_person_risk?as_of=2026-03-01",
         "/clients/K1", "/staff/A1", "/portfolio", "/audit", "/console", "/graph", "/import"]


def _i18n_script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_language_translates_every_message_with_the_same_placeholders():
    script = _i18n_script()
    template = script.template_catalog()
    assert len(template) > 500
    for po in script.languages():
        assert script.gaps(po, template) == [], po


@pytest.fixture
def chinese_client(tmp_path):
    records = organisation()
    # A client with a Chinese name, as the users' own CRM exports carry them.
    records.clients[2] = replace(records.clients[2], name="华润万家")
    url = f"sqlite:///{tmp_path / 'zh.db'}"
    made = open_store(url)
    made.write(records)
    made.close()
    app = create_app({"GRAPHCRM_STORE": url, "GRAPHCRM_AUTH_DB": str(tmp_path / "auth.db"), "TESTING": True})
    app.extensions["graphcrm"].users.add("admin@x.org", "admin", None, PASSWORD)
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9,en;q=0.5"
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    assert client.post("/login", data={"email": "admin@x.org", "password": PASSWORD, "csrf_token": token}).status_code == 302
    yield client
    app.extensions["graphcrm"].close()


def _visible_lines(page: str) -> list[str]:
    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    lines = [html.unescape(line).strip() for line in re.sub(r"<[^>]+>", "\n", text).splitlines() if line.strip()]
    return [re.sub(r" · graphcrm$", "", line) for line in lines]          # the window title: a name and the product


def test_every_page_speaks_chinese_to_a_chinese_browser(chinese_client):
    # Data (names of people, clients and teams) stays as stored; every other line of words is Chinese.
    data = {"Alpha Foods", "Beta Bank", "Delta Hotels", "Gamma Works", "Alpha team", "Beta team", "Empty team", "gift boxes"}
    for url in PAGES:
        response = chinese_client.get(url)
        assert response.status_code == 200, url
        assert '<html lang="zh-CN">' in response.text, url
        assert "退出登录" in response.text, url
        # Left in English for now (said in the README): the coverage plan's `why` sentences, which the planner
        # writes as report data with names in them.
        shown = re.sub(r'<table class="data" id="repair-table">.*?</table>', "", response.text, flags=re.S)
        english = [line for line in _visible_lines(shown)
                   if re.search(r"[A-Za-z]{3,}(\s+[A-Za-z]{2,})+", line) and not re.search(r"[\u4e00-\u9fff]", line)
                   and not any(name in line for name in data) and not re.fullmatch(r"[A-Z][a-z]+ [A-Z][a-z]+", line)]
        assert english == [], (url, english)


def test_the_scripts_words_come_translated_on_chinese_pages_only(chinese_client):
    page = chinese_client.get("/graph").text
    words = json.loads(html.unescape(re.search(r'data-words="([^"]*)"', page).group(1)))
    assert set(words) == set(SCRIPT_WORDS)
    assert words["Show neighbours"] == "显示相邻节点"
    assert all(re.search(r"[\u4e00-\u9fff]", text) for text in words.values())
    chinese_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = chinese_client.get("/graph").text
    assert re.search(r'data-words="([^"]*)"', page).group(1) == "{}"


def test_a_users_own_choice_of_language_wins_over_the_browser(chinese_client):
    token = re.search(r'name="csrf_token" value="([^"]+)"', chinese_client.get("/").text).group(1)
    chinese_client.post("/language", data={"language": "en", "csrf_token": token, "next": "/"})
    assert '<html lang="en">' in chinese_client.get("/").text
    chinese_client.post("/language", data={"language": "zh_CN", "csrf_token": token, "next": "/"})
    assert '<html lang="zh-CN">' in chinese_client.get("/").text


def test_refusals_and_missing_pages_are_said_in_chinese(chinese_client):
    response = chinese_client.get("/clients/NOPE")
    assert response.status_code == 404
    assert re.search(r"[\u4e00-\u9fff]", " ".join(_visible_lines(response.text)))


def test_chinese_names_are_found_by_search(chinese_client):
    found = chinese_client.get("/api/graph/find", query_string={"q": "华润"}).get_json()
    assert [(hit["key"], hit["name"]) for hit in found["hits"]] == [("K3", "华润万家")]
    page = chinese_client.get("/clients/K3").text
    assert "华润万家" in page


def test_dates_days_and_numbers_follow_the_locale(chinese_client):
    from graphcrm.webapp import formatting

    app = chinese_client.application
    said = {}
    for language in ("zh-CN", "en"):
        with app.test_request_context("/", headers={"Accept-Language": language}):
            said[language] = (formatting.day(date(2026, 3, 1)), formatting.days(3), formatting.percent(0.184),
                              formatting.number(1234567))
    assert said["zh-CN"] == ("2026年3月1日", "3 天", "18.4%", "1,234,567")
    assert said["en"] == ("Mar 1, 2026", "3 days", "18.4%", "1,234,567")
