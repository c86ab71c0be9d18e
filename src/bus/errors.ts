import { DBusError } from 'dbus-next';
import { type ErrorCode, ReconcileError } from '../core/errors';

/**
 * The one place where D-Bus error names become nmteam error codes
 * (nmstate does the same in nm/error.rs). Callers decide on `code`.
 */
export function codeForDbusError(name: string): ErrorCode {
  if (name.endsWith('.PermissionDenied') || name === 'org.freedesktop.DBus.Error.AccessDenied') return 'NM_PERMISSION';
  if (
    name === 'org.freedesktop.DBus.Error.ServiceUnknown' ||
    name === 'org.freedesktop.DBus.Error.NoReply' ||
    name === 'org.freedesktop.DBus.Error.Disconnected' ||
    name === 'org.freedesktop.DBus.Error.NameHasNoOwner'
  )
    return 'NM_UNAVAILABLE';
  if (name === 'org.freedesktop.DBus.Error.UnknownObject' || name === 'org.freedesktop.DBus.Error.UnknownMethod')
    return 'NM_NOT_FOUND';
  if (name.endsWith('.UnknownConnection') || name.endsWith('.UnknownDevice')) return 'NM_NOT_FOUND';
  if (
    name.startsWith('org.freedesktop.NetworkManager.Settings.Connection.') ||
    name === 'org.freedesktop.NetworkManager.Settings.InvalidConnection' ||
    name === 'org.freedesktop.NetworkManager.Settings.InvalidArguments' ||
    name === 'org.freedesktop.DBus.Error.InvalidArgs'
  )
    return 'NM_INVALID_SETTINGS';
  if (
    name === 'org.freedesktop.NetworkManager.Device.CreationFailed' ||
    name.endsWith('.ConnectionNotAvailable') ||
    name.endsWith('.DependencyFailed')
  )
    return 'NM_ACTIVATION_FAILED';
  return 'NM_ERROR';
}

export function translateDbusError(err: unknown, what: string): ReconcileError {
  if (err instanceof ReconcileError) return err;
  if (err instanceof DBusError) {
    const text = err.text || err.message;
    // NM 1.42 says InvalidArguments for "device 'eth1' is already included in checkpoint ..."
    const code = /already included in checkpoint/.test(text) ? 'NM_CHECKPOINT_BUSY' : codeForDbusError(err.type);
    return new ReconcileError(code, `${what}: ${text} (${err.type})`, undefined, undefined, undefined, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new ReconcileError('NM_UNAVAILABLE', `${what}: ${message}`, undefined, undefined, undefined, { cause: err });
}
