# The mammoflow operator: reconciles the custom resources and creates stage Jobs.
# Build from the repository root:  docker build -f docker/operator.Dockerfile -t mammoflow/operator:0.1.0 .
# Build arguments (defaults = production; docker/README.md): NODE_IMAGE.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only; install scripts are skipped (onnxruntime-node's CUDA download is
# of no use to the operator, and no other dependency needs a script to run).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund

# The JavaScript the image runs: scripts/build-js.js compiles operator/ and jobs/ into build/js
# with esbuild, a development dependency (hence every dependency here; scripts are not needed).
# Only build/js leaves this stage: the image has neither the TypeScript sources nor tsx.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-js.js ./scripts/
COPY operator ./operator
COPY jobs/contract ./jobs/contract
COPY jobs/ts ./jobs/ts
RUN node scripts/build-js.js && node scripts/build-js.js --check

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/build/js ./build/js
COPY package.json ./
COPY bin ./bin
# `mammoflow` on PATH (bin/mammoflow.js has a `#!/usr/bin/env node` line), as in the stage images.
RUN chmod 755 bin/mammoflow.js && ln -s /app/bin/mammoflow.js /usr/local/bin/mammoflow
# The node user of the official image (uid 1000); the chart's securityContext also runs as non-root.
USER 1000:1000
EXPOSE 8080 8081
ENTRYPOINT ["mammoflow"]
CMD ["operator"]
