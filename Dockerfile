# One image with everything the compose stack runs: the chainsleuth CLI, the Ethereum dev chain (devnet) and btcd.
FROM golang:1.25-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/chainsleuth ./cmd/chainsleuth \
 && if [ -d cmd/devnet ]; then CGO_ENABLED=0 go build -o /out/devnet ./cmd/devnet; fi \
 && GOBIN=/out go install github.com/btcsuite/btcd@v0.26.2

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
ENTRYPOINT ["chainsleuth"]
