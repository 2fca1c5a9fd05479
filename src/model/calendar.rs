//! The horizon's calendar: how long a period is (from `horizon.period`),
//! the date a period starts, and how many periods have closed by a given
//! day. Actuals may be reported only for closed periods, and a roll moves
//! `horizon.start` by whole periods; both need the period's length.
//!
//! Pure: "today" is an argument, never read from the clock here.

use chrono::{Days, Months, NaiveDate};

use super::doc::Horizon;

/// The length of one period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodLength {
    Days(u32),
    Months(u32),
}

impl PeriodLength {
    /// The length a `horizon.period` label names: day, week, month,
    /// quarter (singular or plural, any case). `None` for any other label.
    pub fn from_label(label: &str) -> Option<PeriodLength> {
        let label = label.trim().to_ascii_lowercase();
        let label = label.strip_suffix('s').unwrap_or(&label);
        match label {
            "day" => Some(PeriodLength::Days(1)),
            "week" => Some(PeriodLength::Days(7)),
            "month" => Some(PeriodLength::Months(1)),
            "quarter" => Some(PeriodLength::Months(3)),
            _ => None,
        }
    }
}

/// A horizon with a start date and a period of known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calendar {
    pub start: NaiveDate,
    pub length: PeriodLength,
}

impl Calendar {
    /// The calendar of `horizon`, or why it has none (the reason names the
    /// field: `horizon.start` or `horizon.period`).
    pub fn of(horizon: &Horizon) -> Result<Calendar, (String, String)> {
        let Some(start) = &horizon.start else {
            return Err((
                "horizon.start".into(),
                "the horizon has no start date, so no period can be told closed".into(),
            ));
        };
        let start = NaiveDate::parse_from_str(start, "%Y-%m-%d").map_err(|_| {
            (
                "horizon.start".into(),
                format!("\"{start}\" is not an ISO date (YYYY-MM-DD)"),
            )
        })?;
        let label = horizon.period.as_deref().unwrap_or("");
        let Some(length) = PeriodLength::from_label(label) else {
            return Err((
                "horizon.period".into(),
                format!(
                    "\"{label}\" has no known length; a calendar needs a day, week, month or quarter period"
                ),
            ));
        };
        Ok(Calendar { start, length })
    }

    /// The first day of period `t` (`None` past the end of the calendar).
    pub fn period_start(&self, t: u32) -> Option<NaiveDate> {
        match self.length {
            PeriodLength::Days(d) => self
                .start
                .checked_add_days(Days::new(u64::from(d) * u64::from(t))),
            PeriodLength::Months(m) => self
                .start
                .checked_add_months(Months::new(m.checked_mul(t)?)),
        }
    }

    /// How many periods (of `0..periods`) have ended on or before `today`:
    /// period `t` is closed once period `t + 1` has begun.
    pub fn closed_periods(&self, periods: u32, today: NaiveDate) -> u32 {
        (0..periods)
            .take_while(|&t| self.period_start(t + 1).is_some_and(|end| end <= today))
            .count() as u32
    }
}

/// `horizon` moved on by `periods` periods: its start date later by that
/// many periods. A horizon without a start date stays as it is.
///
/// # Errors
/// The field and reason when the horizon has a start but no calendar.
pub fn shift_start(horizon: &Horizon, periods: u32) -> Result<Horizon, (String, String)> {
    if horizon.start.is_none() {
        return Ok(horizon.clone());
    }
    let calendar = Calendar::of(horizon)?;
    let start = calendar.period_start(periods).ok_or_else(|| {
        (
            "horizon.start".to_string(),
            "moving the start date leaves the calendar".to_string(),
        )
    })?;
    Ok(Horizon {
        start: Some(start.format("%Y-%m-%d").to_string()),
        ..horizon.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn horizon(start: &str, period: &str) -> Horizon {
        Horizon {
            periods: 12,
            period: Some(period.into()),
            start: Some(start.into()),
        }
    }

    #[test]
    fn weeks_close_when_the_next_one_begins() {
        let cal = Calendar::of(&horizon("2025-03-03", "week")).unwrap();
        let day = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert_eq!(cal.closed_periods(12, day("2025-03-09")), 0);
        assert_eq!(cal.closed_periods(12, day("2025-03-10")), 1);
        assert_eq!(cal.closed_periods(12, day("2030-01-01")), 12);
    }

    #[test]
    fn months_move_by_calendar_months() {
        let h = horizon("2025-01-31", "months");
        assert_eq!(
            shift_start(&h, 1).unwrap().start.as_deref(),
            Some("2025-02-28")
        );
        let h = horizon("2025-03-03", "Week");
        assert_eq!(
            shift_start(&h, 2).unwrap().start.as_deref(),
            Some("2025-03-17")
        );
    }

    #[test]
    fn an_unknown_period_label_is_named() {
        let err = Calendar::of(&horizon("2025-03-03", "shift")).unwrap_err();
        assert_eq!(err.0, "horizon.period");
        let none = Horizon {
            periods: 3,
            period: None,
            start: None,
        };
        assert_eq!(Calendar::of(&none).unwrap_err().0, "horizon.start");
        assert_eq!(shift_start(&none, 2).unwrap(), none);
    }
}
