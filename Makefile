# graphcrm: `make demo` (UI on the embedded store with a generated organisation) and `make test`
# (everything, against a real local Neo4j and a real headless Chromium). Both create and reuse .venv.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
PORT ?= 5000
NEO4J ?=
SIZE ?= M

.PHONY: demo test venv neo4j-start neo4j-stop browser bench clean

venv: $(STAMP)

# pip's and setuptools' chatter goes to a log, shown only when the install fails.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "installing graphcrm and its dependencies into $(VENV) (log: $(VENV)/install.log)"
	@$(BIN)/python -m pip install -q --upgrade pip > $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@$(BIN)/python -m pip install -q -e '.[test,bench]' >> $(VENV)/install.log 2>&1 || { cat $(VENV)/install.log; exit 1; }
	@rm -f $(VENV)/.installed-*
	@touch $@

ifeq ($(NEO4J),)
demo: venv
	$(BIN)/graphcrm --store sqlite:///demo.db demo --size S --port $(PORT)
else
demo: venv neo4j-start
	set -a; eval "$$(scripts/neo4j.sh env)"; set +a; \
	$(BIN)/graphcrm --store "$$NEO4J_URI" demo --size S --port $(PORT)
endif

neo4j-start:
	scripts/neo4j.sh start

neo4j-stop:
	scripts/neo4j.sh stop

browser:
	scripts/ensure-chromium.sh

test: venv neo4j-start browser
	set -a; eval "$$(scripts/neo4j.sh env)"; set +a; \
	$(BIN)/python -m pytest -q -p no:cacheprovider

# `make bench` runs every benchmark at size M; `make bench SIZE=L` runs import, open, reports and web at L
# (the organisation is generated once into bench/out/ and reused). The benchmarks get a Neo4j server of their
# own (home and ports), so the organisation they leave in it never slows the tests' server (emptying 6.4
# million nodes at L took the first tests minutes) and the tests never empty it; at L it gets 6 GB of heap
# and 6 GB of page cache (with the tests' 1 GB per-transaction cap, which the reports must keep to).
BENCH_NEO4J := export GRAPHCRM_NEO4J_HOME="$(HOME)/.cache/graphcrm/neo4j-bench" GRAPHCRM_NEO4J_BOLT_PORT=7720 \
	GRAPHCRM_NEO4J_HTTP_PORT=7420 $(if $(filter L,$(SIZE)),GRAPHCRM_NEO4J_HEAP=6g GRAPHCRM_NEO4J_PAGECACHE=6g)
bench: venv
	$(BENCH_NEO4J); scripts/neo4j.sh start && set -a && eval "$$(scripts/neo4j.sh env)" && set +a && \
	if [ "$(SIZE)" = "M" ]; then \
	  for b in bench/bench_*.py; do $(BIN)/python $$b M || exit 1; done; \
	else \
	  for b in import open reports web; do $(BIN)/python bench/bench_$$b.py $(SIZE) || exit 1; done; \
	fi

clean:
	rm -rf $(VENV) build dist *.egg-info test-artifacts demo.db demo.db-*
