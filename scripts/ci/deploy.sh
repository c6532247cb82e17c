#!/usr/bin/env bash
# Deploy each built site to its own target. Usage: scripts/ci/deploy.sh SITES_FOLDER
# DEPLOY_TARGETS holds one line per site, "SITE TARGET"; a target is user@host:/path/ (rsync over SSH, with
# DEPLOY_SSH_KEY and DEPLOY_KNOWN_HOSTS) or s3://bucket/prefix/ (aws s3 sync, with the AWS_* variables).
# A site without a target is not deployed; a target whose site was not built fails the job.
set -euo pipefail
sites=${1:?usage: deploy.sh SITES_FOLDER}
: "${DEPLOY_TARGETS:?set DEPLOY_TARGETS: one line per site, 'SITE TARGET'}"

ssh_ready=""
prepare_ssh() {
  [ -n "$ssh_ready" ] && return
  mkdir -p ~/.ssh && chmod 700 ~/.ssh
  printf '%s\n' "${DEPLOY_SSH_KEY:?rsync targets need DEPLOY_SSH_KEY}" > ~/.ssh/atlasgen_deploy
  chmod 600 ~/.ssh/atlasgen_deploy
  printf '%s\n' "${DEPLOY_KNOWN_HOSTS:?rsync targets need DEPLOY_KNOWN_HOSTS}" >> ~/.ssh/known_hosts
  ssh_ready=1
}

status=0
while read -r site target rest; do
  case "$site" in ""|"#"*) continue ;; esac
  if [ -z "${target:-}" ] || [ -n "${rest:-}" ]; then
    echo "error: DEPLOY_TARGETS: '$site ${target:-} ${rest:-}': expected 'SITE TARGET'" >&2; status=1; continue
  fi
  if [ ! -f "$sites/$site/index.html" ]; then
    echo "error: DEPLOY_TARGETS names the site '$site', but $sites/$site/ was not built" >&2; status=1; continue
  fi
  case "$target" in
    s3://*)
      echo "deploying $site to $target"
      aws s3 sync "$sites/$site/" "${target%/}/" --delete --exclude '.*' ;;
    *:*)
      prepare_ssh
      echo "deploying $site to $target"
      # Builds are deterministic: --checksum sends only pages whose content changed.
      rsync -a --delete --checksum --exclude='/.*' -e "ssh -i $HOME/.ssh/atlasgen_deploy" \
        "$sites/$site/" "${target%/}/" ;;
    *)
      echo "error: DEPLOY_TARGETS: '$target' of $site is neither s3://bucket/prefix/ nor user@host:/path/" >&2
      status=1 ;;
  esac
done <<< "$DEPLOY_TARGETS"
for folder in "$sites"/*/; do
  name=$(basename "$folder")
  if ! grep -qE "^[[:space:]]*$name[[:space:]]" <<< "$DEPLOY_TARGETS"; then
    echo "note: no target for the site '$name' in DEPLOY_TARGETS: not deployed"
  fi
done
exit $status
