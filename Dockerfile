# Builds the wecom-guard binary into a small image. docker-compose.yml uses it.
#   docker build --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse HEAD) .
# The build context has no .git (.dockerignore), so `wecom-guard version`
# reports what these arguments say.
FROM golang:1.26 AS build
ARG VERSION=""
ARG COMMIT=""
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags="-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/wecom-guard ./cmd/wecom-guard \
 && mkdir -p /out/state

# distroless "nonroot" runs as uid/gid 65532 and has no shell: the
# healthcheck is the binary's own `health` subcommand.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wecom-guard /wecom-guard
# The state directory belongs to the non-root user, so a named volume mounted
# there is created writable for it (Docker copies the ownership).
COPY --from=build --chown=65532:65532 /out/state /state
USER 65532:65532
ENV WG_STATE_DIR=/state
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/wecom-guard", "health"]
ENTRYPOINT ["/wecom-guard"]
CMD ["serve"]
