"""`pip install .` into a clean virtual environment gives a working graphcrm, data folders included."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_pip_install_into_a_clean_venv_gives_a_working_graphcrm(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--disable-pip-version-check", str(ROOT)],
                             capture_output=True, text=True)
    assert install.returncode == 0, install.stderr[-2000:]
    site = next((venv / "lib").glob("python*/site-packages"))
    assert (site / "graphcrm" / "cypher" / "reports" / "coverage.cypher").is_file()
    assert (site / "graphcrm" / "cypher" / "writes" / "lock_scope.cypher").is_file()
    assert (site / "graphcrm" / "cypher" / "wrappers" / "packed_rows.cypher.in").is_file()   # Neo4j reports run in it
    assert (site / "graphcrm" / "cypher" / "README.md").is_file()
    assert (site / "graphcrm" / "web" / "templates" / "graph.html").is_file()
    assert (site / "graphcrm" / "web" / "static" / "vendor" / "cytoscape" / "cytoscape.min.js").is_file()
    assert (site / "graphcrm" / "webapp" / "pages.py").is_file()
    graphcrm = str(venv / "bin" / "graphcrm")
    work = tmp_path / "elsewhere"
    work.mkdir()

    def run(*args):
        result = subprocess.run([graphcrm, *args], cwd=work, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        return result.stdout

    assert "truck_factor" in run("reports")
    run("generate", "--size", "S", "--seed", "1", "--out", "org")
    assert "clients: 300 new, 0 changed, 0 unchanged" in run("import", "org")
    assert (site / "graphcrm" / "mapping" / "values.py").is_file()
    zh = run("import", str(ROOT / "examples" / "crm-zh"), "--mapping", str(ROOT / "examples" / "crm_zh.toml"), "--dry-run")
    assert "clients: 0 new, 300 changed, 0 unchanged" in zh      # the same organisation, named in Chinese
    assert "shortfall" in run("report", "coverage_gaps", "--as-of", "2026-11-01")
    assert (work / "graphcrm.db").is_file()
    served = subprocess.run([str(venv / "bin" / "python"), "-c",
                             "from graphcrm.webapp import create_app; app = create_app({'GRAPHCRM_STORE': 'sqlite:///graphcrm.db'});"
                             "print(app.test_client().get('/login').status_code)"], cwd=work, capture_output=True, text=True)
    assert served.stdout.strip() == "200", served.stderr
