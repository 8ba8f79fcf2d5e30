/*
 * gles_render - stock Mesa renders a known GLES2 scene offscreen on a DRM
 * node and prints what it read back, so the kernel's virtio_gpu and ours
 * can be compared line by line (tests/host/test_virgl.py).
 *
 *   gles-render NODE [FRAMES]
 *
 * GBM on NODE (gbm_create_device), EGL on GBM (EGL_PLATFORM_GBM_KHR), a
 * GLES2 context made current without a surface (EGL_KHR_surfaceless_context),
 * rendering into a framebuffer object whose colour attachment is a W x H
 * RGBA texture.  The scene: a clear, a triangle with one colour per vertex
 * (interpolated), and a quad whose fragment shader draws an 8-pixel
 * checkerboard from gl_FragCoord.  glReadPixels reads it back.
 *
 * Lines: "renderer NAME"; "pixel X Y RRGGBBAA" for a few places;
 * "pixels hash H" (FNV-1a of all W*H*4 bytes, rows bottom-up as GL reads
 * them); "gl error E".  With FRAMES, the scene is drawn FRAMES more times
 * (the triangle turning, glFlush() after each) and glFinish()ed: "frames N seconds S fps F".
 * Exit 0 when it rendered, 1 when something failed (said on stderr).
 */
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GLES2/gl2.h>
#include <gbm.h>

#define W 128
#define H 128

static const char *vs_src =
	"attribute vec2 pos;\n"
	"attribute vec3 color;\n"
	"uniform float angle;\n"
	"varying vec3 v_color;\n"
	"void main() {\n"
	"  float c = cos(angle), s = sin(angle);\n"
	"  gl_Position = vec4(c * pos.x - s * pos.y, s * pos.x + c * pos.y, 0.0, 1.0);\n"
	"  v_color = color;\n"
	"}\n";
static const char *fs_tri_src =
	"precision mediump float;\n"
	"varying vec3 v_color;\n"
	"void main() { gl_FragColor = vec4(v_color, 1.0); }\n";
static const char *fs_check_src =
	"precision mediump float;\n"
	"void main() {\n"
	"  vec2 cell = floor(gl_FragCoord.xy / 8.0);\n"
	"  float odd = mod(cell.x + cell.y, 2.0);\n"
	"  gl_FragColor = mix(vec4(1.0, 1.0, 0.0, 1.0), vec4(0.5, 0.0, 0.5, 1.0), odd);\n"
	"}\n";

static int fail(const char *what)
{
	fprintf(stderr, "gles-render: %s (egl 0x%x, gl 0x%x)\n", what, eglGetError(), glGetError());
	return 1;
}

static GLuint shader(GLenum type, const char *src)
{
	GLuint s = glCreateShader(type);
	GLint ok = 0;

	glShaderSource(s, 1, &src, NULL);
	glCompileShader(s);
	glGetShaderiv(s, GL_COMPILE_STATUS, &ok);
	if (!ok) {
		char log[1024];

		glGetShaderInfoLog(s, sizeof(log), NULL, log);
		fprintf(stderr, "gles-render: shader: %s\n", log);
	}
	return s;
}

static GLuint program(const char *fs_src)
{
	GLuint p = glCreateProgram();
	GLint ok = 0;

	glAttachShader(p, shader(GL_VERTEX_SHADER, vs_src));
	glAttachShader(p, shader(GL_FRAGMENT_SHADER, fs_src));
	glBindAttribLocation(p, 0, "pos");
	glBindAttribLocation(p, 1, "color");
	glLinkProgram(p);
	glGetProgramiv(p, GL_LINK_STATUS, &ok);
	return ok ? p : 0;
}

/* One frame: clear, the checkerboard quad in the lower left, the triangle turned by @angle (radians). */
static void draw(GLuint tri, GLuint check, float angle)
{
	static const GLfloat quad[] = { -1.0f, -1.0f, 0.0f, -1.0f, -1.0f, 0.0f, 0.0f, 0.0f };
	static const GLfloat tri_pos[] = { -0.8f, -0.6f, 0.8f, -0.6f, 0.0f, 0.8f };
	static const GLfloat tri_col[] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };

	glViewport(0, 0, W, H);
	glClearColor(0.1f, 0.2f, 0.3f, 1.0f);
	glClear(GL_COLOR_BUFFER_BIT);
	glUseProgram(check);
	glUniform1f(glGetUniformLocation(check, "angle"), 0.0f);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, quad);
	glEnableVertexAttribArray(0);
	glDisableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
	glUseProgram(tri);
	glUniform1f(glGetUniformLocation(tri, "angle"), angle);
	glVertexAttribPointer(0, 2, GL_FLOAT, GL_FALSE, 0, tri_pos);
	glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, 0, tri_col);
	glEnableVertexAttribArray(1);
	glDrawArrays(GL_TRIANGLES, 0, 3);
}

int main(int argc, char **argv)
{
	static uint8_t px[W * H * 4];
	static const int places[][2] = { { 0, 0 }, { W - 1, H - 1 }, { 4, 4 }, { 12, 4 }, { W / 2, H / 2 },
					 { W / 2, H / 4 }, { W / 4, H / 2 + 8 } };
	EGLint ctx_attr[] = { EGL_CONTEXT_CLIENT_VERSION, 2, EGL_NONE };
	PFNEGLGETPLATFORMDISPLAYEXTPROC get_display;
	struct gbm_device *gbm;
	EGLDisplay dpy;
	EGLContext ctx;
	EGLint major, minor;
	GLuint tex, fbo, tri, check;
	uint32_t hash = 2166136261u;
	int fd, frames = argc > 2 ? atoi(argv[2]) : 0;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: gles-render NODE [FRAMES]\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	gbm = gbm_create_device(fd);
	if (!gbm)
		return fail("gbm_create_device");
	get_display = (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
	if (!get_display)
		return fail("no eglGetPlatformDisplayEXT");
	dpy = get_display(EGL_PLATFORM_GBM_KHR, gbm, NULL);
	if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor))
		return fail("eglInitialize");
	if (!eglBindAPI(EGL_OPENGL_ES_API))
		return fail("eglBindAPI");
	ctx = eglCreateContext(dpy, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, ctx_attr);
	if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx))
		return fail("surfaceless GLES2 context");
	printf("renderer %s\n", (const char *)glGetString(GL_RENDERER));

	glGenTextures(1, &tex);
	glBindTexture(GL_TEXTURE_2D, tex);
	glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA, W, H, 0, GL_RGBA, GL_UNSIGNED_BYTE, NULL);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
	glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
	glGenFramebuffers(1, &fbo);
	glBindFramebuffer(GL_FRAMEBUFFER, fbo);
	glFramebufferTexture2D(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_TEXTURE_2D, tex, 0);
	if (glCheckFramebufferStatus(GL_FRAMEBUFFER) != GL_FRAMEBUFFER_COMPLETE)
		return fail("framebuffer incomplete");
	tri = program(fs_tri_src);
	check = program(fs_check_src);
	if (!tri || !check)
		return fail("program link");

	draw(tri, check, 0.0f);
	glReadPixels(0, 0, W, H, GL_RGBA, GL_UNSIGNED_BYTE, px);
	for (size_t i = 0; i < sizeof(places) / sizeof(places[0]); i++) {
		const uint8_t *p = &px[(places[i][1] * W + places[i][0]) * 4];

		printf("pixel %d %d %02x%02x%02x%02x\n", places[i][0], places[i][1], p[0], p[1], p[2], p[3]);
	}
	for (size_t i = 0; i < sizeof(px); i++)
		hash = (hash ^ px[i]) * 16777619u;
	printf("pixels hash %08x\n", hash);
	printf("gl error %#x\n", glGetError());

	if (frames > 0) {
		struct timespec t0, t1;
		double s;

		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < frames; i++) {
			draw(tri, check, (float)i * 0.05f);
			glFlush(); /* one submission (EXECBUFFER) per frame, as a swap would make */
		}
		glFinish();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("frames %d seconds %.3f fps %.1f\n", frames, s, s > 0 ? frames / s : 0.0);
	}
	eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
	eglDestroyContext(dpy, ctx);
	eglTerminate(dpy);
	gbm_device_destroy(gbm);
	close(fd);
	return 0;
}
