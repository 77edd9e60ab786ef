# Builds the wecom-guard binary into a small image. docker-compose.yml uses it.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wecom-guard ./cmd/wecom-guard

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wecom-guard /wecom-guard
EXPOSE 8080
ENTRYPOINT ["/wecom-guard", "serve"]
