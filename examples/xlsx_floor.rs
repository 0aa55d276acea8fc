//! The floor of `rtm export xlsx` and `rtm import` of an xlsx: what the
//! spreadsheet libraries alone take for a workbook, with nothing of rtm's
//! around them.
//!
//! cargo run --release --example gen_corpus -- --nodes 100000 --seed 1 --out /tmp/rtm-100k
//! target/release/rtm export xlsx /tmp/rtm-100k -o /tmp/rtm-100k.xlsx
//! cargo run --release --example xlsx_floor -- /tmp/rtm-100k.xlsx
//!
//! - *read*: calamine's cell reader over the first sheet, every cell taken
//!   and dropped (what an import's reading costs at least);
//! - *write*: every cell of every sheet, held in memory first, written
//!   again as the export writes them (rust_xlsxwriter, constant-memory
//!   sheets, strings inline, wrapped-text columns, deflate level 1, the
//!   first sheet on one thread and the others on another), then saved
//!   (what an export costs at least, before the check it also runs).
//!
//! Each is run three times; the times are printed to standard error.

use std::time::Instant;

use calamine::{Data, DataRef, Reader, Xlsx, open_workbook};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

type Error = Box<dyn std::error::Error>;

/// A sheet's name and its rows of cell texts ("" for an empty cell).
type Sheet = (String, Vec<Vec<String>>);

fn main() -> Result<(), Error> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: xlsx_floor WORKBOOK.xlsx")?;
    let mut wb: Xlsx<_> = open_workbook(&path)?;
    let names = wb.sheet_names();
    let first = names.first().ok_or("the workbook has no sheet")?.clone();
    for round in 1..=3 {
        let started = Instant::now();
        let mut reader = wb.worksheet_cells_reader(&first)?;
        let (mut cells, mut bytes) = (0usize, 0usize);
        // Each cell's text copied out, as an import keeps it.
        let mut text = String::new();
        while let Some(c) = reader.next_cell()? {
            cells += 1;
            text.clear();
            match c.get_value() {
                DataRef::String(s) => text.push_str(s),
                DataRef::SharedString(s) => text.push_str(s),
                other => text.push_str(&format!("{other:?}")),
            }
            bytes += text.len();
        }
        eprintln!(
            "read {round}: {cells} cells ({bytes} bytes) of `{first}` in {:.3} s",
            started.elapsed().as_secs_f64()
        );
    }
    let mut sheets: Vec<Sheet> = Vec::new();
    for name in &names {
        let range = wb.worksheet_range(name)?;
        let rows = range
            .rows()
            .map(|row| {
                row.iter()
                    .map(|c| match c {
                        Data::Empty => String::new(),
                        other => other.to_string(),
                    })
                    .collect()
            })
            .collect();
        sheets.push((name.clone(), rows));
    }
    let cells: usize = sheets
        .iter()
        .flat_map(|(_, rows)| rows)
        .map(|row| row.iter().filter(|c| !c.is_empty()).count())
        .sum();
    let out = std::env::temp_dir().join("xlsx_floor.xlsx");
    for round in 1..=3 {
        let sheets = sheets.clone();
        let started = Instant::now();
        let mut workbook = Workbook::new();
        workbook.set_zip_compression_level(1);
        for _ in &sheets {
            workbook.add_worksheet_with_constant_memory()?;
        }
        let wrap = Format::new().set_text_wrap();
        let [ws, rest @ ..] = workbook.worksheets_mut().as_mut_slice() else {
            return Err("no sheet".into());
        };
        let mut sheets = sheets.into_iter();
        let head = sheets.next().ok_or("no sheet")?;
        let others: Vec<Sheet> = sheets.collect();
        std::thread::scope(|scope| {
            let done = scope.spawn(|| {
                for (ws, sheet) in rest.iter_mut().zip(others) {
                    fill(ws, sheet, &wrap)?;
                }
                Ok::<(), XlsxError>(())
            });
            fill(ws, head, &wrap)?;
            done.join().map_err(|_| "a sheet's thread failed")??;
            Ok::<(), Error>(())
        })?;
        let written = started.elapsed().as_secs_f64();
        workbook.save(&out)?;
        eprintln!(
            "write {round}: {cells} cells in {written:.3} s, saved at {:.3} s",
            started.elapsed().as_secs_f64()
        );
    }
    std::fs::remove_file(&out)?;
    Ok(())
}

/// Writes a sheet's cells, each column in wrapped text.
fn fill(ws: &mut Worksheet, (name, rows): Sheet, wrap: &Format) -> Result<(), XlsxError> {
    ws.set_name(name)?;
    let width = rows.first().map_or(0, Vec::len);
    for c in 0..width {
        ws.set_column_format(c as u16, wrap)?;
    }
    for (r, row) in rows.into_iter().enumerate() {
        for (c, text) in row.into_iter().enumerate() {
            if !text.is_empty() {
                ws.write_string(r as u32, c as u16, text)?;
            }
        }
    }
    Ok(())
}
