# syntax=docker/dockerfile:1
#
# One image for every role: PARLEY_ROLES (or --roles) chooses what a
# container runs; with nothing set it is the whole product in embedded mode
# with its data under /data. See README.md, "Deploying".
#
#   docker build -t parley --build-arg VERSION=$(git describe --always) .
#   docker run -p 8080:8080 -p 50000:50000/udp -v parley-data:/data parley
#
# Three stages: the web client (Node), the binary (Go, static, the client
# embedded), and a distroless base with nothing but the binary, run as an
# unprivileged user.

FROM node:20.19-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=web /src/web/dist/app ./web/dist/app
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/parley ./cmd/parley

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/parley /usr/local/bin/parley
USER 65532:65532
WORKDIR /data
ENV PARLEY_ADDR=:8080 \
    PARLEY_DATA_DIR=/data \
    PARLEY_LOG_FORMAT=json
# HTTP (API, WebSockets, web client, internal RPC) and the SFU's media port.
EXPOSE 8080 50000/udp
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/parley"]
CMD ["serve"]
