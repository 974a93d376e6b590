# The mammoflow operator: reconciles the custom resources and creates stage Jobs.
# Build from the repository root:  docker build -f docker/operator.Dockerfile -t mammoflow/operator:0.1.0 .
# Build arguments (defaults = production; docker/README.md): NODE_IMAGE.
# The image holds what `mammoflow operator` runs: cli/, operator/ and jobs/contract compiled, and
# the packages they import; not jobs/ts and none of the stages' packages (ONNX Runtime, sharp, the
# codecs, OpenCV.js), which the stage images carry.
ARG NODE_IMAGE=node:22.21.1-bookworm-slim

FROM ${NODE_IMAGE} AS deps
# The packages cli/, operator/ and jobs/contract import (tests/unit/docker/images-build.test.ts
# compares this list with their imports).
ARG OPERATOR_PACKAGES="@kubernetes/client-node cli-progress commander pino prom-client yaml zod"
WORKDIR /app
COPY package.json package-lock.json ./
# Production dependencies only, install scripts skipped (no operator package needs one); then every
# dependency not in OPERATOR_PACKAGES leaves package.json and npm prune removes it with whatever
# only it needed, at the versions of the lock file (npm leaves the emptied @scope folders behind).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && node -e 'const fs = require("fs"), keep = process.argv.slice(1), p = JSON.parse(fs.readFileSync("package.json")); \
      for (const name of Object.keys(p.dependencies)) if (!keep.includes(name)) delete p.dependencies[name]; \
      fs.writeFileSync("package.json", JSON.stringify(p))' ${OPERATOR_PACKAGES} \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -mindepth 1 -maxdepth 1 -type d -empty -delete

# The JavaScript the image runs: scripts/build-js.js compiles the folders copied here (cli/,
# operator/, jobs/contract/) into build/js with esbuild, a development dependency (hence every
# dependency here; scripts are not needed). Only build/js leaves this stage: the image has neither
# the TypeScript sources nor tsx.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY scripts/build-js.js ./scripts/
COPY cli ./cli
COPY operator ./operator
COPY jobs/contract ./jobs/contract
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
