/* SVG chart: see svg.h. Figures are only ever printed as doubles, never
 * converted to integers, so any log (even a fuzzed one) draws safely. */
#include "svg.h"

#include <math.h>

#define WIDTH 900.0
#define HEIGHT 480.0
#define LEFT 80.0
#define RIGHT (WIDTH - 30.0)
#define TOP 56.0
#define BOTTOM (HEIGHT - 56.0)
#define TICKS 5.0
/* A forecast further out than this many times the logged cycles would
 * squash the data into the chart's left edge; it is stated in words. */
#define FORECAST_REACH 20.0

#define BLUE "#1f77b4"
#define ORANGE "#ff7f0e"
#define RED "#d62728"
#define GREY "#7f7f7f"

typedef struct {
    FILE *out;
    const chart_t *c;
    double x_max, y_max;
    double y_unit;         /* bytes per y label unit: 1, or 1024 for KiB */
    bool forecast_visible;
} canvas_t;

/* ---- scales ------------------------------------------------------------- */
static double nice_step(double span)
{
    double raw = span / TICKS;
    double unit = pow(10.0, floor(log10(raw)));
    double f = raw / unit;
    return unit * (f <= 1.0 ? 1.0 : f <= 2.0 ? 2.0 : f <= 5.0 ? 5.0 : 10.0);
}

static double nice_ceiling(double v)
{
    double step = nice_step(v);
    return ceil(v / step) * step;
}

static double px(const canvas_t *k, double cycle) { return LEFT + cycle / k->x_max * (RIGHT - LEFT); }

static double py(const canvas_t *k, double bytes) { return BOTTOM - bytes / k->y_max * (BOTTOM - TOP); }

static double largest_free(const chart_t *c)
{
    double m = 1.0;
    for (size_t i = 0; i < c->series->n; i++)
        m = fmax(m, c->series->free[i]);
    return m;
}

static bool forecast_fits(const chart_t *c)
{
    double e = c->trend->exhaustion_cycle;
    return c->trend->falling && e >= 0.0 && e <= FORECAST_REACH * (double)c->series->n;
}

static canvas_t plan_canvas(FILE *out, const chart_t *c)
{
    canvas_t k = {.out = out, .c = c, .forecast_visible = forecast_fits(c)};
    double x = fmax((double)c->series->n, (double)c->failure_cycle);
    if (k.forecast_visible)
        x = fmax(x, c->trend->exhaustion_cycle);
    k.x_max = nice_ceiling(x);
    k.y_unit = largest_free(c) >= 10240.0 ? 1024.0 : 1.0;
    k.y_max = nice_ceiling(largest_free(c) / k.y_unit) * k.y_unit;
    return k;
}

/* ---- primitives --------------------------------------------------------- */
static void put_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '&')
            fputs("&amp;", out);
        else if (*s == '<')
            fputs("&lt;", out);
        else if (*s == '>')
            fputs("&gt;", out);
        else if ((unsigned char)*s >= 0x20)
            fputc(*s, out);
    }
}

static void line_between(const canvas_t *k, double x1, double y1, double x2, double y2, const char *style)
{
    fprintf(k->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" %s/>\n", x1, y1, x2, y2, style);
}

static void text_at(const canvas_t *k, double x, double y, const char *attrs, const char *text)
{
    fprintf(k->out, "<text x=\"%.1f\" y=\"%.1f\" %s>%s</text>\n", x, y, attrs, text);
}

/* ---- parts -------------------------------------------------------------- */
static void draw_frame(const canvas_t *k)
{
    fprintf(k->out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
            "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
            "<clipPath id=\"plot\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/></clipPath>\n",
            WIDTH, HEIGHT, WIDTH, HEIGHT, LEFT, TOP, RIGHT - LEFT, BOTTOM - TOP);
    fputs("<text x=\"450\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">", k->out);
    put_escaped(k->out, k->c->title);
    fputs("</text>\n", k->out);
}

static void draw_tick(const canvas_t *k, bool x_axis, double v)
{
    char label[32];
    if (x_axis) {
        snprintf(label, sizeof label, "%.0f", v);
        line_between(k, px(k, v), TOP, px(k, v), BOTTOM, "stroke=\"#e5e5e5\"");
        text_at(k, px(k, v), BOTTOM + 16.0, "text-anchor=\"middle\"", label);
    } else {
        snprintf(label, sizeof label, "%g", v / k->y_unit);
        line_between(k, LEFT, py(k, v), RIGHT, py(k, v), "stroke=\"#e5e5e5\"");
        text_at(k, LEFT - 6.0, py(k, v) + 4.0, "text-anchor=\"end\"", label);
    }
}

/* Ticks at multiples of a nice step (in label units, so that KiB labels
 * are round too); a nice ceiling is at most 5 steps. */
static void draw_ticks(const canvas_t *k, bool x_axis)
{
    double max = x_axis ? k->x_max : k->y_max, unit = x_axis ? 1.0 : k->y_unit;
    double step = nice_step(max / unit) * unit;
    for (int i = 0; i <= 10 && i * step <= max * (1.0 + 1e-9); i++)
        draw_tick(k, x_axis, i * step);
}

static void draw_axes(const canvas_t *k)
{
    draw_ticks(k, true);
    draw_ticks(k, false);
    line_between(k, LEFT, BOTTOM, RIGHT, BOTTOM, "stroke=\"black\"");
    line_between(k, LEFT, TOP, LEFT, BOTTOM, "stroke=\"black\"");
    text_at(k, (LEFT + RIGHT) / 2.0, HEIGHT - 18.0, "text-anchor=\"middle\"", "cycle");
    fprintf(k->out, "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">"
                    "free %s (%s)</text>\n",
            (TOP + BOTTOM) / 2.0, series_name(k->c->series->kind), k->y_unit > 1.0 ? "KiB" : "bytes");
}

static void draw_fitted_window(const canvas_t *k)
{
    const trend_t *t = k->c->trend;
    double x1 = px(k, (double)t->first_cycle), x2 = px(k, (double)t->last_cycle);
    fprintf(k->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#eef3fb\"/>\n", x1, TOP,
            x2 - x1, BOTTOM - TOP);
}

/* figure: FreeSz or MinFreeSz per cycle (NULL: not printed, not drawn). */
static void draw_series(const canvas_t *k, const double *figure, const char *colour)
{
    if (!figure)
        return;
    fprintf(k->out, "<polyline clip-path=\"url(#plot)\" fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"",
            colour);
    for (size_t i = 0; i < k->c->series->n; i++)
        fprintf(k->out, "%.1f,%.1f ", px(k, (double)(i + 1)), py(k, figure[i]));
    fputs("\"/>\n", k->out);
}

static void draw_fitted_line(const canvas_t *k)
{
    const trend_t *t = k->c->trend;
    double from = (double)t->first_cycle, to = k->forecast_visible ? t->exhaustion_cycle : k->x_max;
    fprintf(k->out, "<g clip-path=\"url(#plot)\">");
    line_between(k, px(k, from), py(k, trend_free_at(t, from)), px(k, to), py(k, trend_free_at(t, to)),
                 "stroke=\"" RED "\" stroke-width=\"1.5\" stroke-dasharray=\"6 4\"");
    fputs("</g>\n", k->out);
}

static void draw_forecast(const canvas_t *k)
{
    const trend_t *t = k->c->trend;
    if (!t->falling)
        return;
    char label[96];
    snprintf(label, sizeof label, "forecast: %s runs out at cycle %.0f%s", series_name(k->c->series->kind),
             ceil(t->exhaustion_cycle), k->forecast_visible ? "" : " (outside the chart)");
    if (!k->forecast_visible) {
        text_at(k, RIGHT - 4.0, TOP + 30.0, "text-anchor=\"end\" fill=\"" RED "\"", label);
        return;
    }
    double x = px(k, t->exhaustion_cycle), y = py(k, t->reserve);
    fprintf(k->out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"" RED "\"/>\n", x, y);
    text_at(k, x - 8.0, y - 10.0, "text-anchor=\"end\" fill=\"" RED "\"", label);
}

static void draw_failure(const canvas_t *k)
{
    if (!k->c->failure_cycle)
        return;
    char label[64];
    double x = px(k, (double)k->c->failure_cycle);
    snprintf(label, sizeof label, "malloc failed: cycle %zu", k->c->failure_cycle);
    line_between(k, x, TOP, x, BOTTOM, "stroke=\"" GREY "\" stroke-dasharray=\"2 3\"");
    text_at(k, x - 6.0, TOP + 14.0, "text-anchor=\"end\" fill=\"" GREY "\"", label);
}

static void legend_entry(const canvas_t *k, double y, const char *colour, const char *dash, const char *label)
{
    fprintf(k->out, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"2\" %s/>"
                    "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n",
            LEFT + 14.0, y, LEFT + 38.0, y, colour, dash, LEFT + 44.0, y + 4.0, label);
}

/* Bottom left: the corner a falling or a flat free heap leaves empty. */
static void draw_legend(const canvas_t *k)
{
    fprintf(k->out, "<rect x=\"%.1f\" y=\"%.1f\" width=\"224\" height=\"62\" fill=\"white\" stroke=\"#ccc\"/>\n",
            LEFT + 8.0, BOTTOM - 70.0);
    legend_entry(k, BOTTOM - 56.0, BLUE, "", "FreeSz");
    if (k->c->series->min_free)
        legend_entry(k, BOTTOM - 40.0, ORANGE, "", "MinFreeSz (low-water mark)");
    legend_entry(k, BOTTOM - 24.0, RED, "stroke-dasharray=\"6 4\"", "least-squares fit (window shaded)");
}

void svg_write_chart(FILE *out, const chart_t *c)
{
    canvas_t k = plan_canvas(out, c);
    draw_frame(&k);
    draw_fitted_window(&k);
    draw_axes(&k);
    draw_series(&k, c->series->min_free, ORANGE);
    draw_series(&k, c->series->free, BLUE);
    draw_fitted_line(&k);
    draw_failure(&k);
    draw_forecast(&k);
    draw_legend(&k);
    fputs("</svg>\n", out);
}
