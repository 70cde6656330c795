# finews — build, demo and test targets. Run as root on Debian (apt-get is used for
# the C libraries); a Swift 6 toolchain must be on PATH.

SWIFT ?= swift
# systemd provides systemd-analyze, which checks the unit files in CI; jekyll and
# python3 run the end-to-end check of a real site build (scripts/jekyll-e2e), with the
# jekyll-feed and jekyll-seo-tag plugins the starter site uses; python3-prometheus-client
# parses the metrics textfile in the tests; git is what the after_write hook test commits with;
# postgresql is the server the cluster tests start (scripts/with-postgres), psql comes with it.
APT_PACKAGES = libcurl4-openssl-dev libxml2-dev libsqlite3-dev zlib1g-dev pkg-config systemd jekyll ruby-jekyll-feed ruby-jekyll-seo-tag python3 python3-yaml python3-prometheus-client git postgresql postgresql-client
BIN = .build/debug/finews

# Where `make install` puts things; DESTDIR stages them under another root.
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
UNITDIR ?= $(SYSCONFDIR)/systemd/system
# The binary to install: the release build, unless another one is named.
INSTALL_BIN ?= .build/release/finews
UNITS = finews.service finews-refresh.service finews-refresh.timer

.PHONY: deps build demo test crash-test cluster-test release install verify-units clean

## deps: install the C libraries finews links against (Debian packages).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

## build: a debug build of the finews binary.
build: deps
	$(SWIFT) build --product finews

## demo: refresh the bundled offline example (feeds.conf) into ./site and show the result.
demo: build
	rm -rf site
	$(BIN) refresh --config feeds.conf
	@echo; echo "== files written under site/ =="; find site -path site/.finews -prune -o -type f -print | sort
	@echo; echo "== site/_posts/2022-03-02-NW202203022293518924.md (front matter and foot) =="
	@head -n 7 site/_posts/2022-03-02-NW202203022293518924.md; echo "[... body ...]"; tail -n 3 site/_posts/2022-03-02-NW202203022293518924.md; echo
	@echo; echo "== a second refresh writes nothing =="; $(BIN) refresh --config feeds.conf

## test: build once, then run every test target (unit and end-to-end; the cluster tests
## against a private PostgreSQL server, scripts/with-postgres) and the real-Jekyll check.
test: deps
	$(SWIFT) build --build-tests
	scripts/with-postgres $(SWIFT) test --skip-build
	scripts/jekyll-e2e $(BIN)

## crash-test: refreshes killed at random moments, each finished and compared with a clean run:
## 30 over 200 feeds, and 10 over 2,000 feeds (many groups, so kills land between them).
crash-test: deps
	$(SWIFT) build --product finews
	scripts/crash-test 30 $(BIN) 200
	scripts/crash-test 10 $(BIN) 2000

## cluster-test: three `finews run` nodes on one PostgreSQL database over 1,000 feeds, the
## publisher killed mid-write, checked against a single SQLite node; then two nodes started at once.
cluster-test: deps
	$(SWIFT) build --product finews
	scripts/cluster-test $(BIN) 1000

## release: an optimized binary at .build/release/finews, with the Swift runtime and Foundation
## linked in (--static-swift-stdlib: it starts in 15 ms instead of 22, and needs no toolchain where
## it runs). The benchmark scripts build with the same flags, so they share this build.
release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product finews

## install: the binary, the systemd units and (unless one exists) /etc/finews/feeds.conf.
## `make install DESTDIR=/tmp/stage` stages it; `INSTALL_BIN=.build/debug/finews` skips the release build.
install: $(if $(filter .build/release/finews,$(INSTALL_BIN)),release)
	install -d "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSCONFDIR)/finews"
	install -m 0755 "$(INSTALL_BIN)" "$(DESTDIR)$(BINDIR)/finews"
	for unit in $(UNITS); do \
		sed -e 's|/usr/local/bin/finews|$(BINDIR)/finews|g' -e 's|/etc/finews/feeds.conf|$(SYSCONFDIR)/finews/feeds.conf|g' \
			"systemd/$$unit" > "$(DESTDIR)$(UNITDIR)/$$unit.tmp" && \
		chmod 0644 "$(DESTDIR)$(UNITDIR)/$$unit.tmp" && mv "$(DESTDIR)$(UNITDIR)/$$unit.tmp" "$(DESTDIR)$(UNITDIR)/$$unit"; \
	done
	@if [ -e "$(DESTDIR)$(SYSCONFDIR)/finews/feeds.conf" ]; then \
		echo "kept the existing $(DESTDIR)$(SYSCONFDIR)/finews/feeds.conf"; \
	else \
		install -m 0644 systemd/feeds.conf "$(DESTDIR)$(SYSCONFDIR)/finews/feeds.conf"; \
	fi
	@echo "installed; then: systemctl daemon-reload && systemctl enable --now finews (or finews-refresh.timer)"

## verify-units: install into a scratch folder and check the units with systemd-analyze
## verify; any warning fails (verify itself exits 0 on unknown keys).
verify-units:
	@set -e; stage=$$(mktemp -d); trap 'rm -rf "$$stage"' EXIT; \
	$(MAKE) --no-print-directory install PREFIX="$$stage/usr/local" SYSCONFDIR="$$stage/etc" \
		INSTALL_BIN="$(if $(filter .build/release/finews,$(INSTALL_BIN)),$(BIN),$(INSTALL_BIN))" >/dev/null; \
	cd "$$stage/etc/systemd/system"; \
	out=$$(systemd-analyze verify $(addprefix ./,$(UNITS)) 2>&1) || { echo "$$out"; exit 1; }; \
	if [ -n "$$out" ]; then echo "$$out"; echo "systemd-analyze verify: warnings in the units"; exit 1; fi; \
	echo "systemd units: ok ($(UNITS))"

clean:
	rm -rf .build site
