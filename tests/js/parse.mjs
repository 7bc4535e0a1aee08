// Reads an iCalendar document on standard input with Mozilla's ical.js and prints its events as
// JSON: each event's instants in UTC, and its wall-clock times in the zone given as argument
// (default Europe/Rome), converted by Node's own time-zone data rather than Python's.
import { readFileSync } from "node:fs";

import ICAL from "ical.js";

const zone = process.argv[2] ?? "Europe/Rome";
const wallClock = new Intl.DateTimeFormat("sv-SE", {
  timeZone: zone,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
const events = calendar.getAllSubcomponents("vevent").map((component) => {
  const event = new ICAL.Event(component);
  const start = event.startDate.toJSDate();
  const end = event.endDate.toJSDate();
  return {
    uid: event.uid,
    summary: event.summary,
    status: component.getFirstPropertyValue("status"),
    sequence: event.sequence,
    start: start.toISOString(),
    end: end.toISOString(),
    start_zone: event.startDate.zone.tzid,
    local_start: wallClock.format(start),
    local_end: wallClock.format(end),
  };
});
process.stdout.write(JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }));
