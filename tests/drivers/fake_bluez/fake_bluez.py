'''Fake BlueZ with GATT for python-dbusmock (tests of Resonant's BLE driver).

Run:  /usr/bin/python3 -m dbusmock --system -t tests/drivers/fake_bluez/fake_bluez.py

dbusmock's own bluez5 template has no GATT and mistypes some Device1 properties, so this
template models the part of BlueZ 5.66 a heart-rate central uses, with BlueZ's property types
and signal order (doc/adapter-api.txt, device-api.txt, gatt-api.txt):

  Adapter1: SetDiscoveryFilter, StartDiscovery (exports the devices "in range" through
            InterfacesAdded), StopDiscovery.
  Device1:  Connect -> Connected=true, GATT objects exported (InterfacesAdded), then
            ServicesResolved=true; Disconnect / a dropped link -> both false and the GATT
            objects removed (InterfacesRemoved), as bluetoothd does.
  GATT:     Heart Rate service (HRM 2A37 notify, Body Sensor Location 2A38 read), Battery
            (2A19 read), optionally Polar PMD (control point fb005c81 read/write/indicate,
            answering a start-ECG request like an H10; data fb005c82 notify).
            StartNotify/StopNotify set Notifying; values reach the client as
            PropertiesChanged(Value) on the characteristic, exactly like notifications.

Test controls on org.bluez.Mock at "/":
  AddAdapter(name) -> path
  AddHeartRateDevice(adapter, address, name, polar) -> device path (in range, not yet known)
  Notify(char_path, bytes) -> bool: sends a notification if the client subscribed
  DropConnection(device_path): the link drops (strap out of range)
  SetConnectFailures(device_path, n): the next n Connect calls fail (org.bluez.Error.Failed)
  CallCount(path, method) -> u: how often the client called method on path
  StreamHeartRate(char_path, rr_ms): plays a strap wearing a heart: one Heart Rate Measurement
      per beat, RR cycling through rr_ms, sent after each RR on a GLib timer; beats while the
      client is not subscribed (disconnected) are lost, as with a real strap
'''

import dbus
from gi.repository import GLib

from dbusmock import OBJECT_MANAGER_IFACE, mockobject

BUS_NAME = 'org.bluez'
MAIN_OBJ = '/'
SYSTEM_BUS = True
IS_OBJECT_MANAGER = True

MOCK_IFACE = 'org.bluez.Mock'
ADAPTER_IFACE = 'org.bluez.Adapter1'
DEVICE_IFACE = 'org.bluez.Device1'
SERVICE_IFACE = 'org.bluez.GattService1'
CHAR_IFACE = 'org.bluez.GattCharacteristic1'
PROPS_IFACE = 'org.freedesktop.DBus.Properties'

HR_SERVICE = '0000180d-0000-1000-8000-00805f9b34fb'
HRM = '00002a37-0000-1000-8000-00805f9b34fb'
BODY_LOCATION = '00002a38-0000-1000-8000-00805f9b34fb'
BATTERY_SERVICE = '0000180f-0000-1000-8000-00805f9b34fb'
BATTERY_LEVEL = '00002a19-0000-1000-8000-00805f9b34fb'
PMD_SERVICE = 'fb005c80-02e7-f387-1cad-8acd2d8df0c8'
PMD_CP = 'fb005c81-02e7-f387-1cad-8acd2d8df0c8'
PMD_DATA = 'fb005c82-02e7-f387-1cad-8acd2d8df0c8'

# Per-device state of the fake, by device path.
STATE = {}
# Calls made by the client, by (path, method).
CALLS = {}
# Control point requests written by the client, by characteristic path (kept across reconnects).
REQUESTS = {}


def _count(path, method):
    CALLS[(str(path), method)] = CALLS.get((str(path), method), 0) + 1


def _bytes(values):
    return dbus.Array([dbus.Byte(int(v)) for v in values], signature='y')


def _root():
    return mockobject.objects['/']


def _properties_changed(obj, iface, changes):
    obj.EmitSignal(PROPS_IFACE, 'PropertiesChanged', 'sa{sv}as', [iface, changes, dbus.Array([], signature='s')])


def _set(obj, iface, name, value):
    obj.props[iface][name] = value
    _properties_changed(obj, iface, {name: value})


def _export(path, iface, props, methods):
    root = _root()
    root.AddObject(path, iface, props, methods)
    root.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesAdded', 'oa{sa{sv}}',
                    [dbus.ObjectPath(path), {iface: props}])


def _unexport(path, iface):
    root = _root()
    if path in mockobject.objects:
        root.RemoveObject(path)
        root.EmitSignal(OBJECT_MANAGER_IFACE, 'InterfacesRemoved', 'oas',
                        [dbus.ObjectPath(path), dbus.Array([iface], signature='s')])


# ---- adapter methods (code objects of AddObject: called as fn(obj, *args)) ----

def _set_discovery_filter(adapter, flt):
    _count(adapter.path, 'SetDiscoveryFilter')
    adapter.discovery_filter = flt


def _start_discovery(adapter):
    _count(adapter.path, 'StartDiscovery')
    _set(adapter, ADAPTER_IFACE, 'Discovering', dbus.Boolean(True))
    for dev_path, st in STATE.items():
        if st['adapter'] == adapter.path and dev_path not in mockobject.objects:
            _export(dev_path, DEVICE_IFACE, st['props'], [
                ('Connect', '', '', _connect),
                ('Disconnect', '', '', _disconnect),
            ])


def _stop_discovery(adapter):
    _count(adapter.path, 'StopDiscovery')
    if not adapter.props[ADAPTER_IFACE]['Discovering']:
        raise dbus.exceptions.DBusException('Not discovering', name='org.bluez.Error.Failed')
    _set(adapter, ADAPTER_IFACE, 'Discovering', dbus.Boolean(False))


# ---- characteristic methods ----

def _start_notify(char):
    _count(char.path, 'StartNotify')
    _set(char, CHAR_IFACE, 'Notifying', dbus.Boolean(True))


def _stop_notify(char):
    _count(char.path, 'StopNotify')
    _set(char, CHAR_IFACE, 'Notifying', dbus.Boolean(False))


def _read_value(char, _options):
    _count(char.path, 'ReadValue')
    return _bytes(char.read_value)


def _cp_write(char, value, _options):
    '''Polar PMD control point: answer like an H10 (indication on the control point).'''
    _count(char.path, 'WriteValue')
    req = [int(b) for b in value]
    REQUESTS.setdefault(str(char.path), []).append(req)
    if len(req) >= 2 and req[0] == 0x01:    # get settings: 130 Hz, 14 bit
        reply = [0xF0, 0x01, req[1], 0x00, 0x00, 0x00, 0x01, 0x82, 0x00, 0x01, 0x01, 0x0E, 0x00]
    elif len(req) >= 2 and req[0] in (0x02, 0x03):
        ok = req[1] == 0x00                  # only ECG is offered
        reply = [0xF0, req[0], req[1], 0x00 if ok else 0x03, 0x00]
    else:
        reply = [0xF0, req[0] if req else 0, 0x00, 0x01, 0x00]
    if char.props[CHAR_IFACE]['Notifying']:
        char.props[CHAR_IFACE]['Value'] = _bytes(reply)
        _properties_changed(char, CHAR_IFACE, {'Value': _bytes(reply)})


def _char(service_path, handle, uuid, flags, read_value=None, write=None, notify=True):
    path = f'{service_path}/char{handle:04x}'
    props = {
        'UUID': dbus.String(uuid),
        'Service': dbus.ObjectPath(service_path),
        'Value': _bytes([]),
        'Notifying': dbus.Boolean(False),
        'Flags': dbus.Array(flags, signature='s'),
    }
    methods = [('ReadValue', 'a{sv}', 'ay', _read_value)]
    if notify:
        methods += [('StartNotify', '', '', _start_notify), ('StopNotify', '', '', _stop_notify)]
    if write is not None:
        methods.append(('WriteValue', 'aya{sv}', '', write))
    _export(path, CHAR_IFACE, props, methods)
    obj = mockobject.objects[path]
    obj.read_value = read_value if read_value is not None else []
    return path


def _service(device_path, handle, uuid):
    path = f'{device_path}/service{handle:04x}'
    _export(path, SERVICE_IFACE, {
        'UUID': dbus.String(uuid),
        'Device': dbus.ObjectPath(device_path),
        'Primary': dbus.Boolean(True),
        'Includes': dbus.Array([], signature='o'),
    }, [])
    return path


def _export_gatt(dev_path):
    st = STATE[dev_path]
    paths = []
    hr = _service(dev_path, 0x000e, HR_SERVICE)
    paths += [hr, _char(hr, 0x000f, HRM, ['notify']),
              _char(hr, 0x0012, BODY_LOCATION, ['read'], read_value=[0x01], notify=False)]
    bat = _service(dev_path, 0x0020, BATTERY_SERVICE)
    paths += [bat, _char(bat, 0x0021, BATTERY_LEVEL, ['read', 'notify'], read_value=[87])]
    if st['polar']:
        pmd = _service(dev_path, 0x0030, PMD_SERVICE)
        paths += [pmd,
                  _char(pmd, 0x0031, PMD_CP, ['read', 'write', 'indicate'],
                        read_value=[0x0F, 0x05, 0x00], write=_cp_write),
                  _char(pmd, 0x0034, PMD_DATA, ['notify'])]
    st['gatt'] = paths


def _drop(dev_path):
    st = STATE[dev_path]
    dev = mockobject.objects[dev_path]
    st['connected'] = False
    # bluetoothd: Connected and ServicesResolved go false, then the GATT objects disappear.
    dev.props[DEVICE_IFACE]['Connected'] = dbus.Boolean(False)
    dev.props[DEVICE_IFACE]['ServicesResolved'] = dbus.Boolean(False)
    _properties_changed(dev, DEVICE_IFACE, {'ServicesResolved': dbus.Boolean(False),
                                            'Connected': dbus.Boolean(False)})
    for path in reversed(st['gatt']):
        iface = SERVICE_IFACE if '/char' not in path else CHAR_IFACE
        _unexport(path, iface)
    st['gatt'] = []


# ---- device methods ----

def _connect(dev):
    _count(dev.path, 'Connect')
    st = STATE[dev.path]
    if st['fail_connects'] > 0:
        st['fail_connects'] -= 1
        raise dbus.exceptions.DBusException('le-connection-abort-by-local', name='org.bluez.Error.Failed')
    if st['connected']:
        raise dbus.exceptions.DBusException('Already Connected', name='org.bluez.Error.AlreadyConnected')
    st['connected'] = True
    _set(dev, DEVICE_IFACE, 'Connected', dbus.Boolean(True))
    _export_gatt(dev.path)
    _set(dev, DEVICE_IFACE, 'ServicesResolved', dbus.Boolean(True))


def _disconnect(dev):
    _count(dev.path, 'Disconnect')
    if not STATE[dev.path]['connected']:
        raise dbus.exceptions.DBusException('Not Connected', name='org.bluez.Error.NotConnected')
    _drop(dev.path)


# ---- test controls on org.bluez.Mock ----

@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='s')
def AddAdapter(self, name):
    path = '/org/bluez/' + name
    _export(path, ADAPTER_IFACE, {
        'Address': dbus.String('00:1A:7D:DA:71:13'),
        'AddressType': dbus.String('public'),
        'Name': dbus.String('fakehost'),
        'Alias': dbus.String('fakehost'),
        'Powered': dbus.Boolean(True),
        'Discoverable': dbus.Boolean(False),
        'Pairable': dbus.Boolean(True),
        'Discovering': dbus.Boolean(False),
        'UUIDs': dbus.Array([], signature='s'),
    }, [
        ('SetDiscoveryFilter', 'a{sv}', '', _set_discovery_filter),
        ('StartDiscovery', '', '', _start_discovery),
        ('StopDiscovery', '', '', _stop_discovery),
        ('RemoveDevice', 'o', '', ''),
    ])
    return path


@dbus.service.method(MOCK_IFACE, in_signature='sssb', out_signature='s')
def AddHeartRateDevice(self, adapter, address, name, polar):
    adapter_path = '/org/bluez/' + adapter
    dev_path = adapter_path + '/dev_' + address.replace(':', '_').upper()
    uuids = [BATTERY_SERVICE, HR_SERVICE] + ([PMD_SERVICE] if polar else [])
    STATE[dev_path] = {
        'adapter': adapter_path,
        'polar': bool(polar),
        'connected': False,
        'fail_connects': 0,
        'gatt': [],
        'props': {
            'Address': dbus.String(address),
            'AddressType': dbus.String('random'),
            'Name': dbus.String(name),
            'Alias': dbus.String(name),
            'Adapter': dbus.ObjectPath(adapter_path),
            'Paired': dbus.Boolean(False),
            'Trusted': dbus.Boolean(False),
            'Blocked': dbus.Boolean(False),
            'Connected': dbus.Boolean(False),
            'ServicesResolved': dbus.Boolean(False),
            'LegacyPairing': dbus.Boolean(False),
            'RSSI': dbus.Int16(-58),
            'UUIDs': dbus.Array(uuids, signature='s'),
            'ManufacturerData': dbus.Dictionary({dbus.UInt16(0x006B): dbus.Array([dbus.Byte(0x33)], signature='y')}, signature='qv') if polar else dbus.Dictionary({}, signature='qv'),
        },
    }
    return dev_path


@dbus.service.method(MOCK_IFACE, in_signature='say', out_signature='b')
def Notify(self, char_path, value):
    obj = mockobject.objects.get(str(char_path))
    if obj is None or not obj.props[CHAR_IFACE]['Notifying']:
        return False
    obj.props[CHAR_IFACE]['Value'] = _bytes(value)
    _properties_changed(obj, CHAR_IFACE, {'Value': _bytes(value)})
    return True


@dbus.service.method(MOCK_IFACE, in_signature='saq', out_signature='')
def StreamHeartRate(self, char_path, rr_ms):
    path = str(char_path)
    rr = [int(v) for v in rr_ms]
    beat = {'n': 0}

    def next_beat():
        interval = rr[beat['n'] % len(rr)]
        beat['n'] += 1
        obj = mockobject.objects.get(path)
        if obj is not None and obj.props[CHAR_IFACE]['Notifying']:
            ticks = round(interval * 1024 / 1000)  # RR in 1/1024 s, 8-bit heart rate
            value = _bytes([0x10, round(60000 / interval) & 0xFF, ticks & 0xFF, ticks >> 8])
            obj.props[CHAR_IFACE]['Value'] = value
            _properties_changed(obj, CHAR_IFACE, {'Value': value})
        GLib.timeout_add(rr[beat['n'] % len(rr)], next_beat)
        return False

    GLib.timeout_add(rr[0], next_beat)


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='')
def DropConnection(self, dev_path):
    if STATE[str(dev_path)]['connected']:
        _drop(str(dev_path))


@dbus.service.method(MOCK_IFACE, in_signature='su', out_signature='')
def SetConnectFailures(self, dev_path, n):
    STATE[str(dev_path)]['fail_connects'] = int(n)


@dbus.service.method(MOCK_IFACE, in_signature='ss', out_signature='u')
def CallCount(self, path, method):
    return dbus.UInt32(CALLS.get((str(path), str(method)), 0))


@dbus.service.method(MOCK_IFACE, in_signature='s', out_signature='aay')
def ControlPointRequests(self, char_path):
    return dbus.Array([_bytes(r) for r in REQUESTS.get(str(char_path), [])], signature='ay')


def load(mock, _parameters):
    mock.AddObject('/org/bluez', 'org.bluez.AgentManager1', {}, [
        ('RegisterAgent', 'os', '', ''),
        ('RequestDefaultAgent', 'o', '', ''),
        ('UnregisterAgent', 'o', '', ''),
    ])
