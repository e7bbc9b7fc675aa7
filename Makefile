# The two commands of the README: `make run` and `make test`.
GO ?= go
DATA ?= ./data
ADDR ?= 127.0.0.1:8080

.PHONY: run test build assets vet fmt clean

## run: install front-end packages, build, and serve the demo city on http://127.0.0.1:8080
run: build
	./bin/yingshang serve --demo --data $(DATA) --addr $(ADDR)

## test: every test, on SQLite and (with YINGSHANG_TEST_POSTGRES) PostgreSQL, and the browser tests
test: assets
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

## build: the binary in ./bin
build: assets
	$(GO) build -trimpath -o bin/yingshang ./cmd/yingshang

assets:
	@bash scripts/build-assets.sh

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf bin
