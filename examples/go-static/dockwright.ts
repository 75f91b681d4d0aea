import { from, platformArgs } from 'dockwright';

/**
 * A static Go binary on `scratch`: compiled on the build machine's platform for the target's
 * architecture, with Go's module and build caches kept between builds.
 */
const { BUILDPLATFORM, TARGETOS, TARGETARCH } = platformArgs;

const build = from('golang:1.23-alpine', { as: 'build', platform: BUILDPLATFORM })
  .arg(TARGETOS)
  .arg(TARGETARCH)
  .workdir('/src')
  .copy(['go.mod', 'go.sum'], './')
  .run('go mod download', { mount: { type: 'cache', target: '/go/pkg/mod' } })
  .copy('.', '.')
  .env({ CGO_ENABLED: '0' })
  .run('GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -ldflags="-s -w" -o /out/server ./cmd/server', {
    mount: [
      { type: 'cache', target: '/go/pkg/mod' },
      { type: 'cache', target: '/root/.cache/go-build' },
    ],
  });

export const server = from('scratch')
  .copy({ from: 'alpine:3.20', src: '/etc/ssl/certs/ca-certificates.crt', dest: '/etc/ssl/certs/' })
  .copy({ from: build, src: '/out/server', dest: '/server' })
  .user(65534, 65534)
  .expose(8080)
  .entrypoint(['/server'])
  .$meta({ name: 'go-static', tags: ['go-static:latest'], dockerfile: 'Dockerfile' });
