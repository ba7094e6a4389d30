/* Voronoi vertices and the Delaunay complex of a periodic structure, through qhull.
 *
 * The atoms and their periodic images within a skin S of the home cell are
 * triangulated by qhull ("d Qbb", default facet merging).  Every Delaunay cell
 * is a polytope whose vertices lie on an empty sphere; its centre is a Voronoi
 * vertex and its radius is the distance from that vertex to its nearest atoms.
 * Cells, faces and edges are kept when their centre (circumcentre, vertex
 * centroid, midpoint) lies in the home cell, fractional [0, 1), so every one of
 * them appears exactly once per cell.
 *
 * Degenerate (cospherical) configurations are the rule in symmetric crystals:
 * a rectangle or an isosceles trapezoid in a mirror plane makes five or more
 * atoms cospherical.  'Qt' would triangulate such a cell arbitrarily and create
 * flat simplices (undefined circumcentres, spurious "faces" whose position
 * depends on the triangulation and so on the origin); 'QJ' would joggle the
 * input, giving slivers with ill-conditioned circumcentres.  We keep qhull's
 * merged (non-simplicial) facets and also merge any cells whose circumcentres
 * coincide (two different empty spheres cannot share a centre), so a
 * degenerate cell is one polytope with one centre, and its faces and edges are
 * found geometrically (supporting planes of its vertex set).  docs/sites.md
 * says more.
 *
 * Completeness: a cell of the finite point set whose centre lies in the home cell
 * and whose radius R satisfies R <= S is a cell of the infinite crystal; faces
 * and edges in the home cell belong to cells whose centres lie within Rmax of it,
 * so we require S >= 2 Rmax, enlarge S and redo otherwise, and check that the
 * volumes of the home cells sum to the cell volume (they tile space once per
 * lattice translation), which proves none is missing. */
#ifndef AS_CRYSTAL_VORONOI_H
#define AS_CRYSTAL_VORONOI_H

#include "core/error.h"
#include "crystal/structure.h"

typedef struct as_voronoi {
    int nvert;               /* Voronoi vertices (Delaunay cell centres) in the home cell */
    double (*vert)[3];       /* fractional, [0, 1) */
    double *vert_radius;     /* bohr: circumradius = distance to the nearest atoms */
    int *vert_natoms;        /* atoms on the sphere: 4 generic, more when degenerate */
    int nface;               /* Delaunay faces (polygons) with their centroid in the home cell */
    double (*face)[3];       /* vertex centroid, fractional [0, 1) */
    int nedge;               /* Delaunay edges with their midpoint in the home cell */
    double (*edge)[3];       /* midpoint, fractional [0, 1) */
    double skin;             /* bohr, the skin of the last (accepted) triangulation */
    int npoints;             /* atoms + images given to qhull */
    int ndegenerate;         /* home cells with more than 4 atoms on their sphere */
    double volume_sum;       /* bohr^3, sum of the home cells' volumes (= cell volume) */
} as_voronoi;

/* Triangulate the periodic structure s (all atoms, whatever z).  Fails with
 * AS_EINPUT for a singular cell or no atoms, AS_EINTERNAL if qhull fails or the
 * home cells do not tile the cell. */
as_voronoi *as_voronoi_create(const as_structure *s, as_error *err);
void as_voronoi_destroy(as_voronoi *v);

#endif
