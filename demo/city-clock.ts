/**
 * The `get_time` tool's clock: the current local time in a city, `HH:MM` (24 h). Known cities use
 * their IANA time zone through `Intl`; any other name (the demo model also knows made-up towns)
 * gets a whole-hour UTC offset derived from a hash of the name, so the answer is stable.
 */
import { hashName } from './name-hash.ts';

const TIME_ZONES: Record<string, string> = {
  paris: 'Europe/Paris', london: 'Europe/London', berlin: 'Europe/Berlin', madrid: 'Europe/Madrid',
  rome: 'Europe/Rome', vienna: 'Europe/Vienna', prague: 'Europe/Prague', oslo: 'Europe/Oslo',
  stockholm: 'Europe/Stockholm', helsinki: 'Europe/Helsinki', dublin: 'Europe/Dublin', lisbon: 'Europe/Lisbon',
  athens: 'Europe/Athens', moscow: 'Europe/Moscow', warsaw: 'Europe/Warsaw', zurich: 'Europe/Zurich',
  geneva: 'Europe/Zurich', amsterdam: 'Europe/Amsterdam', brussels: 'Europe/Brussels', munich: 'Europe/Berlin',
  hamburg: 'Europe/Berlin', milan: 'Europe/Rome', naples: 'Europe/Rome', venice: 'Europe/Rome',
  florence: 'Europe/Rome', barcelona: 'Europe/Madrid', seville: 'Europe/Madrid', istanbul: 'Europe/Istanbul',
  cairo: 'Africa/Cairo', lagos: 'Africa/Lagos', nairobi: 'Africa/Nairobi', 'cape town': 'Africa/Johannesburg',
  dubai: 'Asia/Dubai', 'abu dhabi': 'Asia/Dubai', 'tel aviv': 'Asia/Jerusalem', mumbai: 'Asia/Kolkata',
  delhi: 'Asia/Kolkata', 'new delhi': 'Asia/Kolkata', beijing: 'Asia/Shanghai', shanghai: 'Asia/Shanghai',
  'hong kong': 'Asia/Hong_Kong', seoul: 'Asia/Seoul', tokyo: 'Asia/Tokyo', osaka: 'Asia/Tokyo', kyoto: 'Asia/Tokyo',
  bangkok: 'Asia/Bangkok', hanoi: 'Asia/Bangkok', singapore: 'Asia/Singapore', 'kuala lumpur': 'Asia/Kuala_Lumpur',
  jakarta: 'Asia/Jakarta', manila: 'Asia/Manila', sydney: 'Australia/Sydney', auckland: 'Pacific/Auckland',
  toronto: 'America/Toronto', montreal: 'America/Toronto', vancouver: 'America/Vancouver',
  'new york': 'America/New_York', boston: 'America/New_York', miami: 'America/New_York',
  chicago: 'America/Chicago', dallas: 'America/Chicago', 'st louis': 'America/Chicago', denver: 'America/Denver',
  seattle: 'America/Los_Angeles', 'los angeles': 'America/Los_Angeles', 'san francisco': 'America/Los_Angeles',
  'san diego': 'America/Los_Angeles', 'las vegas': 'America/Los_Angeles', 'mexico city': 'America/Mexico_City',
  lima: 'America/Lima', bogota: 'America/Bogota', quito: 'America/Guayaquil', santiago: 'America/Santiago',
  'buenos aires': 'America/Argentina/Buenos_Aires', 'sao paulo': 'America/Sao_Paulo', 'rio de janeiro': 'America/Sao_Paulo',
};

export interface CityTime {
  readonly city: string;
  /** 24-hour local time, e.g. '14:05'. */
  readonly time: string;
}

export function cityTime(city: string, now = new Date()): CityTime {
  const zone = TIME_ZONES[city.trim().toLowerCase().replace(/\./g, '')];
  if (zone !== undefined) {
    const time = new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now);
    return { city, time };
  }
  // UTC-11 … UTC+12, fixed per name.
  const offsetHours = (hashName(city) % 24) - 11;
  const minutes = (((now.getUTCHours() + offsetHours) * 60 + now.getUTCMinutes()) % 1440 + 1440) % 1440;
  return { city, time: `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}` };
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}
