/**
 * setupFiles of the jest project integration-nm152: every sandbox of the integration suite runs Debian 13's
 * NetworkManager 1.52 (test/harness/sandbox/userland.ts, docs/versions.md).
 */
process.env.NMTEAM_NM = 'trixie';
