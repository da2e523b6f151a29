// The only part of @cloudflare/blindrsa-ts the responder's page uses.
export { RSABSSA } from '@cloudflare/blindrsa-ts';
