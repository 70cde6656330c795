# finews — build, demo and test targets. Run as root on Debian (apt-get is used for
# the C libraries); a Swift 6 toolchain must be on PATH.

SWIFT ?= swift
APT_PACKAGES = libcurl4-openssl-dev libxml2-dev libsqlite3-dev zlib1g-dev pkg-config
BIN = .build/debug/finews

.PHONY: deps build demo test release clean

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

## test: build once, then run every test target (unit and end-to-end).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## release: an optimized binary at .build/release/finews.
release: deps
	$(SWIFT) build -c release --product finews

clean:
	rm -rf .build site
